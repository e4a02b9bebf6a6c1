// Store: sluice's durable state, one RocksDB database per data directory.
//
// Data is split into column families (Column): index metadata, documents,
// tasks and ingest staging. The Store is the only place that includes RocksDB
// headers. Writes go through WriteBatch and are atomic; with
// StorageOptions::sync (the default) a Write returns only after the batch is
// in the synced WAL, so an acknowledged write survives kill -9.
//
// Thread-safety: all methods may be called concurrently (RocksDB is
// thread-safe). Errors are returned as io_exception Statuses.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/status.h"

namespace sluice::storage {

struct StorageOptions {
  std::string path;                       // required: the RocksDB directory
  bool sync = true;                       // fsync the WAL on every Write (durability on ack)
  size_t block_cache_bytes = 64u << 20;   // RocksDB block cache for reads
};

enum class Column {
  kMeta,     // index metadata and other small records
  kDocs,     // documents: "<index uuid>\0<id>" → stored document record
  kTasks,    // batch-ingestion task records and checkpoints
  kStaging,  // temporary rows of multi-file joins
  kPostings,   // text: postings "<uuid>\0p<field>\0<term>\0\0<doc>" and per-doc term lists
  kTextStats,  // text: counters (doc count, sum of term freqs, doc freq) added by AddCounter
};

// A group of writes applied atomically by Store::Write. Not thread-safe.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  void Put(Column column, std::string_view key, std::string_view value);
  void Delete(Column column, std::string_view key);
  // Deletes every key in [begin, end).
  void DeleteRange(Column column, std::string_view begin, std::string_view end);
  // Adds delta to the signed 64-bit counter at key (missing counts as 0)
  // without reading it. Only for Column::kTextStats; read it with Store::GetCounter.
  void AddCounter(Column column, std::string_view key, int64_t delta);
  size_t Count() const;

 private:
  friend class Store;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A consistent read view of the whole database at one instant (a RocksDB
// snapshot). Released when the last reference goes; every Snapshot must be
// released before its Store is destroyed.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

class Store {
 public:
  // Opens (creating if missing) the database at options.path. A database open
  // in another process is a kConflict Status whose metadata "pid" is that
  // process (see LockHolder).
  static util::Result<std::unique_ptr<Store>> Open(const StorageOptions& options);
  ~Store();

  util::Result<std::optional<std::string>> Get(Column column, std::string_view key) const;
  // Reads as of the snapshot (one from this Store's GetSnapshot).
  util::Result<std::optional<std::string>> Get(Column column, std::string_view key,
                                               const Snapshot& snapshot) const;
  // The current state, for reads that must not see later writes (scroll contexts).
  std::shared_ptr<const Snapshot> GetSnapshot() const;
  // Applies the batch atomically; synced to the WAL when options.sync.
  util::Status Write(WriteBatch& batch);
  // Calls visit(key, value) for every key starting with prefix, in key order,
  // until visit returns false.
  util::Status Scan(Column column, std::string_view prefix,
                    const std::function<bool(std::string_view key, std::string_view value)>& visit)
      const;
  // A counter written by WriteBatch::AddCounter (0 when missing).
  util::Result<int64_t> GetCounter(Column column, std::string_view key) const;

  // A forward cursor over one column, on a consistent snapshot taken at
  // creation. Not thread-safe; one per reader.
  class Cursor {
   public:
    virtual ~Cursor() = default;
    virtual void Seek(std::string_view key) = 0;  // first key >= key
    virtual void Next() = 0;
    virtual bool Valid() const = 0;
    virtual std::string_view key() const = 0;
    virtual std::string_view value() const = 0;
    virtual util::Status status() const = 0;
  };
  std::unique_ptr<Cursor> NewCursor(Column column) const;

  // Flushes memtables to SST files (used at shutdown and before checkpoints).
  util::Status Flush();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process that has the database at db_path open (holds RocksDB's LOCK
// file), or 0 when none does, it is this process, or it cannot be told.
pid_t LockHolder(const std::string& db_path);

// The key just past every key that starts with prefix (for DeleteRange).
std::string PrefixEnd(std::string_view prefix);

}  // namespace sluice::storage
