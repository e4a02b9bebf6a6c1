// Store: sluice's durable state, one RocksDB database per data directory.
//
// Data is split into column families (Column): index metadata, documents,
// tasks and ingest staging. The Store is the only place that includes RocksDB
// headers. Writes go through WriteBatch and are atomic; with
// StorageOptions::sync (the default) a Write returns only after the batch is
// in the synced WAL, so an acknowledged write survives kill -9.
//
// Disk full: while the filesystem's free space is under the flood stage
// (StorageOptions::flood_stage_free_bytes) writes are refused up front with
// kTooManyRequests and OpenSearch's flood-stage cluster_block_exception, and
// accepted again as soon as there is room. A write that still fails for lack
// of space returns the same status; RocksDB then refuses
// writes until it is resumed. The Store turns RocksDB's own automatic
// recovery off (it waits for room for a whole write buffer) and calls
// DB::Resume itself on the next write, at most once per resume_interval_ms,
// so writes work again as soon as enough space is back (a flush of the
// memtable has to fit). A database that cannot be opened for writing because
// the disk is full is opened read-only (searches work, every write is refused
// the same way, read_only() says so) until a restart with free space.
//
// Thread-safety: all methods may be called concurrently (RocksDB is
// thread-safe). Other errors are returned as io_exception Statuses.
#pragma once

#include <sys/types.h>

#include <cstdint>
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
  // The memtables of every column family together, at most (one shared
  // rocksdb::WriteBufferManager: the largest memtable is flushed when they
  // reach it, and writes stall rather than go over). Each column family's
  // memtable is a quarter of it (at least 4 MiB). Default: 64 MiB.
  size_t write_buffer_bytes = 64u << 20;
  // Open read-only instead of failing when the disk is too full to open the
  // database for writing. Default: true.
  bool read_only_when_disk_full = true;
  // Least time between two DB::Resume attempts after a disk-full. Default: 1000.
  int resume_interval_ms = 1000;
  // The flood stage: writes are refused (429, as above) while the filesystem
  // has less free space than this, so RocksDB itself rarely meets ENOSPC (its
  // Debian build asserts on a file writer reused after a failed write).
  // -1 (default): 5% of the filesystem, at most 1 GiB; 0: no watermark.
  int64_t flood_stage_free_bytes = -1;
};

enum class Column {
  kMeta,       // index metadata and other small records
  kDocs,       // documents: "<index uuid>\0<id>" → stored document record
  kTasks,      // batch-ingestion task records and checkpoints
  kStaging,    // temporary rows of multi-file joins
  kPostings,   // text: postings "<uuid>\0p<field>\0<term>\0\0<doc>" and per-doc term lists
  kTextStats,  // text: counters (doc count, sum of term freqs, doc freq) added by AddCounter
  kVectors,    // knn vectors: "<uuid>\0<field>\0<doc number, 4 bytes big-endian>" → floats (LE)
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
  // The same as of a snapshot (point-in-time searches).
  util::Result<int64_t> GetCounter(Column column, std::string_view key,
                                   const Snapshot& snapshot) const;

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
  // A cursor reading as of the given snapshot (which it keeps alive).
  std::unique_ptr<Cursor> NewCursor(Column column, std::shared_ptr<const Snapshot> snapshot) const;

  // Flushes memtables to SST files (used at shutdown and before checkpoints).
  util::Status Flush();

  // True when the database was opened read-only because the disk was full.
  bool read_only() const;
  // True while writes are refused because the disk filled up (until a
  // resume succeeds); also true in read-only mode.
  bool disk_full() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process that has the database at db_path open (holds RocksDB's LOCK
// file), or 0 when none does, it is this process, or it cannot be told.
pid_t LockHolder(const std::string& db_path);

// True for the Status a Write returns when the disk is full (429
// cluster_block_exception): the same write may succeed once space is back.
bool IsDiskFull(const util::Status& status);

// The key just past every key that starts with prefix (for DeleteRange).
std::string PrefixEnd(std::string_view prefix);

}  // namespace sluice::storage
