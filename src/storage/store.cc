#include "storage/store.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/process_stats.h"

namespace sluice::storage {
namespace {

constexpr std::array<const char*, 7> kColumnNames = {"meta",     "docs",       "tasks",  "staging",
                                                     "postings", "text_stats", "vectors"};

int64_t DecodeCounter(const rocksdb::Slice& s) {
  int64_t v = 0;
  if (s.size() == sizeof(v)) std::memcpy(&v, s.data(), sizeof(v));
  return v;
}

std::string EncodeCounter(int64_t v) { return std::string(reinterpret_cast<const char*>(&v), sizeof(v)); }

// Counters are 8-byte native-endian integers; merging adds them.
class CounterAddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t base = existing ? DecodeCounter(*existing) : 0;
    *new_value = EncodeCounter(base + DecodeCounter(value));
    return true;
  }
  const char* Name() const override { return "sluice.CounterAdd"; }
};

class RocksCursor : public Store::Cursor {
 public:
  RocksCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h) {
    snapshot_ = db->GetSnapshot();
    db_ = db;
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    it_.reset(db->NewIterator(ro, h));
  }
  // Reads as of a snapshot someone else owns (kept alive by `keep`).
  RocksCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h, const rocksdb::Snapshot* snapshot,
              std::shared_ptr<const Snapshot> keep)
      : db_(db), keep_(std::move(keep)) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    it_.reset(db->NewIterator(ro, h));
  }
  ~RocksCursor() override {
    it_.reset();
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  }
  void Seek(std::string_view key) override { it_->Seek(rocksdb::Slice(key.data(), key.size())); }
  void Next() override { it_->Next(); }
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  util::Status status() const override {
    return it_->status().ok() ? util::Status::Ok() : util::IoError("scan failed: " + it_->status().ToString());
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_ = nullptr;  // owned; null when reading keep_'s
  std::shared_ptr<const Snapshot> keep_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

util::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return util::Status::Ok();
  return util::IoError(std::string(what) + ": " + s.ToString());
}

bool IsNoSpace(const rocksdb::Status& s) {
  // Some paths lose the subcode but keep errno's text.
  return s.IsNoSpace() || s.ToString().find("No space left on device") != std::string::npos;
}

// What OpenSearch answers once the flood-stage disk watermark blocks writes:
// clients already treat this 429 as "retry later".
util::Status DiskFullStatus() {
  return util::Status(util::Code::kTooManyRequests, "cluster_block_exception",
                      "blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage "
                      "watermark, index has read-only-allow-delete block];");
}

// RocksDB's info log, sent to spdlog instead of <db>/LOG: warnings and errors
// only, one line each. A LOG file on a full disk is fatal with Debian's
// RocksDB (built with assertions): once an append to it failed, the next one
// (at shutdown at the latest) aborts the process.
class SpdlogRocksLogger : public rocksdb::Logger {
 public:
  SpdlogRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char message[1024];
    std::vsnprintf(message, sizeof(message), format, ap);
    std::string_view text(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    // Creating a database "fails" to read the directory it is about to make.
    if (text.find("NotFound") != std::string_view::npos) return;
    spdlog::log(
        level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err : spdlog::level::warn,
        "event=rocksdb_log message=\"{}\"", text);
  }
};

// RocksDB's automatic recovery from a NoSpace error waits until the free space
// exceeds its reserve for flushes and compactions (a whole 128 MiB write buffer
// and more); the Store resumes by itself instead, as soon as a Resume succeeds.
class ManualRecoveryListener : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error != nullptr && !error->ok()) {
      spdlog::warn("event=storage_background_error error=\"{}\"", error->ToString());
    }
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    bg_error.PermitUncheckedError();
    if (auto_recovery != nullptr) *auto_recovery = false;
  }
};

// The flood stage in free bytes for `path` (0: none).
uint64_t FloodStageBytes(const StorageOptions& options, const std::string& path) {
  if (options.flood_stage_free_bytes >= 0)
    return static_cast<uint64_t>(options.flood_stage_free_bytes);
  auto space = util::ReadFileSystemSpace(path);
  if (!space) return 0;
  return std::min<uint64_t>(space->total_bytes / 20, uint64_t{1} << 30);
}

}  // namespace

pid_t LockHolder(const std::string& db_path) {
  // RocksDB locks <db>/LOCK with a POSIX record lock (fcntl F_SETLK, F_WRLCK)
  // for as long as the database is open; F_GETLK names the process holding it.
  int fd = ::open((std::filesystem::path(db_path) / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock lock = {};
  lock.l_type = F_RDLCK;
  lock.l_whence = SEEK_SET;
  pid_t holder = 0;
  if (::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK) holder = lock.l_pid;
  ::close(fd);
  return holder;
}

struct WriteBatch::Impl {
  rocksdb::WriteBatch batch;
  // Column handles are resolved when the batch is written, so batches can be
  // built without a Store.
  struct Op {
    enum Kind { kPut, kDelete, kDeleteRange, kMerge } kind;
    Column column;
    std::string a, b;
  };
  std::vector<Op> ops;
};

WriteBatch::WriteBatch() : impl_(std::make_unique<Impl>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

void WriteBatch::Put(Column column, std::string_view key, std::string_view value) {
  impl_->ops.push_back({Impl::Op::kPut, column, std::string(key), std::string(value)});
}
void WriteBatch::Delete(Column column, std::string_view key) {
  impl_->ops.push_back({Impl::Op::kDelete, column, std::string(key), {}});
}
void WriteBatch::DeleteRange(Column column, std::string_view begin, std::string_view end) {
  impl_->ops.push_back({Impl::Op::kDeleteRange, column, std::string(begin), std::string(end)});
}
void WriteBatch::AddCounter(Column column, std::string_view key, int64_t delta) {
  impl_->ops.push_back({Impl::Op::kMerge, column, std::string(key), EncodeCounter(delta)});
}
size_t WriteBatch::Count() const { return impl_->ops.size(); }

struct Store::Impl {
  StorageOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // indexed by Column
  bool read_only = false;                             // opened read-only: the disk was full
  std::atomic<bool> needs_resume{false};              // a write failed; Resume before the next
  std::atomic<bool> failed_for_space{false};          // ... because the disk was full
  uint64_t flood_stage = 0;                           // free bytes below which writes are refused
  std::atomic<bool> below_flood_stage{false};         // for logging the transitions

  // True while the free space is under the flood stage (logged on change).
  bool BelowFloodStage() {
    if (flood_stage == 0) return false;
    auto space = util::ReadFileSystemSpace(options.path);
    bool below = space && space->available_bytes < flood_stage;
    if (below != below_flood_stage.exchange(below)) {
      if (below) {
        spdlog::warn(
            "event=storage_flood_stage path={} free_bytes={} flood_stage_bytes={} "
            "action=\"writes are refused with 429 until space is freed\"",
            options.path, space->available_bytes, flood_stage);
      } else {
        spdlog::info("event=storage_writable path={} flood_stage_bytes={}", options.path,
                     flood_stage);
      }
    }
    return below;
  }

  std::mutex resume_mu;  // one Resume at a time; guards last_resume
  std::chrono::steady_clock::time_point last_resume{};

  rocksdb::ColumnFamilyHandle* Handle(Column c) const { return handles[static_cast<size_t>(c)]; }

  // Brings the database out of its stopped state after a write error.
  // Returns OK when writes may be tried again.
  util::Status TryResume() {
    std::lock_guard<std::mutex> lock(resume_mu);
    if (!needs_resume) return util::Status::Ok();  // another writer resumed it
    auto now = std::chrono::steady_clock::now();
    if (now - last_resume < std::chrono::milliseconds(options.resume_interval_ms)) {
      return failed_for_space ? DiskFullStatus()
                              : util::IoError("storage stopped after a write error; retrying");
    }
    last_resume = now;
    rocksdb::Status s = db->Resume();
    if (!s.ok()) {
      if (IsNoSpace(s) || s.IsBusy()) return DiskFullStatus();
      return FromRocks(s, "resume after a write error failed");
    }
    needs_resume = false;
    spdlog::info("event=storage_resumed path={}", options.path);
    return util::Status::Ok();
  }

  ~Impl() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      // After a disk-full, closing can fail (nothing can be flushed); the WAL
      // still holds every acknowledged write and is replayed at the next open.
      rocksdb::Status s = db->Close();
      if (!s.ok()) spdlog::warn("event=storage_close_failed error=\"{}\"", s.ToString());
    }
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

util::Result<std::unique_ptr<Store>> Store::Open(const StorageOptions& options) {
  // RocksDB creates the last directory only; make its parents too.
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options.path).parent_path(), ec);
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.OptimizeLevelStyleCompaction();
  // OptimizeLevelStyleCompaction sizes memtables for 512 MiB per column
  // family (128 MiB, up to 6); the write buffer manager bounds them all.
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(
      options.write_buffer_bytes, nullptr, /*allow_stall=*/true);
  db_options.listeners.push_back(std::make_shared<ManualRecoveryListener>());
  db_options.info_log = std::make_shared<SpdlogRocksLogger>();
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.write_buffer_size = std::max<size_t>(4u << 20, options.write_buffer_bytes / 4);
  cf_options.max_write_buffer_number = 4;
  cf_options.min_write_buffer_number_to_merge = 1;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const char* name : kColumnNames) {
    families.emplace_back(name, cf_options);
    if (std::string_view(name) == "text_stats") {
      families.back().options.merge_operator = std::make_shared<CounterAddOperator>();
      // Readers apply every unmerged addition to a counter: fold them in the
      // memtable after a few so that a read stays cheap under constant writes.
      families.back().options.max_successive_merges = 16;
    }
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const uint64_t flood_stage =
      FloodStageBytes(options, std::filesystem::path(options.path).parent_path());
  auto space = util::ReadFileSystemSpace(std::filesystem::path(options.path).parent_path());
  // Opening for writing writes (a new WAL and MANIFEST, the replayed WAL as
  // tables): on a full disk, go read-only without trying.
  const bool full_at_start =
      options.read_only_when_disk_full && flood_stage > 0 && space && space->available_bytes < flood_stage &&
      std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT");
  rocksdb::Status s = full_at_start
                          ? rocksdb::Status::NoSpace("free space below the flood stage")
                          : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  bool read_only = false;
  if (!s.ok() && IsNoSpace(s) && options.read_only_when_disk_full) {
    // Opening for writing replays the WAL into new files; read-only replays it
    // in memory, so every acknowledged write can still be read and searched.
    rocksdb::Status ro =
        rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw);
    if (ro.ok()) {
      read_only = true;
      spdlog::error(
          "event=storage_read_only path={} reason=\"disk full: {}\" action=\"searches work, "
          "writes are refused with 429 until sluice restarts with free space\"",
          options.path, s.ToString());
      s = ro;
    }
  }
  if (!s.ok()) {
    if (pid_t holder = LockHolder(options.path); holder > 0) {
      return util::Status(util::Code::kConflict, "io_exception",
                          "[" + options.path + "] is open in another process (pid " +
                              std::to_string(holder) + ")")
          .WithMetadata("pid", std::to_string(holder));
    }
    return FromRocks(s, "cannot open data directory [" + options.path + "]");
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->read_only = read_only;
  impl->flood_stage = flood_stage;
  impl->db.reset(raw);
  // handles[0] is the default family, unused: the Column order follows.
  raw->DestroyColumnFamilyHandle(handles[0]);
  impl->handles.assign(handles.begin() + 1, handles.end());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

util::Result<std::optional<std::string>> Store::Get(Column column, std::string_view key) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->Handle(column),
                                     rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "read failed");
  return std::optional<std::string>(std::move(value));
}

namespace {

class RocksSnapshot : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

std::shared_ptr<const Snapshot> Store::GetSnapshot() const {
  return std::make_shared<RocksSnapshot>(impl_->db.get());
}

util::Result<std::optional<std::string>> Store::Get(Column column, std::string_view key,
                                                    const Snapshot& snapshot) const {
  rocksdb::ReadOptions options;
  options.snapshot = static_cast<const RocksSnapshot&>(snapshot).get();
  std::string value;
  rocksdb::Status s = impl_->db->Get(options, impl_->Handle(column),
                                     rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "read failed");
  return std::optional<std::string>(std::move(value));
}

util::Status Store::Write(WriteBatch& batch) {
  if (impl_->read_only || impl_->BelowFloodStage()) return DiskFullStatus();
  if (impl_->needs_resume) SLUICE_RETURN_IF_ERROR(impl_->TryResume());
  rocksdb::WriteBatch rb;
  for (const auto& op : batch.impl_->ops) {
    auto* h = impl_->Handle(op.column);
    switch (op.kind) {
      case WriteBatch::Impl::Op::kPut:
        rb.Put(h, op.a, op.b);
        break;
      case WriteBatch::Impl::Op::kDelete:
        rb.Delete(h, op.a);
        break;
      case WriteBatch::Impl::Op::kDeleteRange:
        rb.DeleteRange(h, op.a, op.b);
        break;
      case WriteBatch::Impl::Op::kMerge:
        rb.Merge(h, op.a, op.b);
        break;
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  rocksdb::Status s = impl_->db->Write(wo, &rb);
  if (s.ok()) return util::Status::Ok();
  // A failed write leaves RocksDB stopped (a background error); the next
  // write resumes it first.
  if (s.IsIOError() || s.IsNoSpace()) {
    impl_->failed_for_space = IsNoSpace(s);
    impl_->needs_resume = true;
  }
  if (IsNoSpace(s)) {
    spdlog::warn("event=storage_disk_full path={} error=\"{}\"", impl_->options.path, s.ToString());
    return DiskFullStatus();
  }
  return FromRocks(s, "write failed");
}

bool Store::read_only() const { return impl_->read_only; }

bool Store::disk_full() const {
  return impl_->read_only || impl_->needs_resume || impl_->below_flood_stage;
}

util::Status Store::Scan(
    Column column, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->Handle(column)));
  rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scan failed");
}

util::Result<int64_t> Store::GetCounter(Column column, std::string_view key) const {
  SLUICE_ASSIGN_OR_RETURN(auto v, Get(column, key));
  return v ? DecodeCounter(rocksdb::Slice(*v)) : int64_t{0};
}

std::unique_ptr<Store::Cursor> Store::NewCursor(Column column) const {
  return std::make_unique<RocksCursor>(impl_->db.get(), impl_->Handle(column));
}

std::unique_ptr<Store::Cursor> Store::NewCursor(Column column,
                                                std::shared_ptr<const Snapshot> snapshot) const {
  const rocksdb::Snapshot* s = static_cast<const RocksSnapshot&>(*snapshot).get();
  return std::make_unique<RocksCursor>(impl_->db.get(), impl_->Handle(column), s,
                                       std::move(snapshot));
}

util::Result<int64_t> Store::GetCounter(Column column, std::string_view key,
                                        const Snapshot& snapshot) const {
  SLUICE_ASSIGN_OR_RETURN(auto v, Get(column, key, snapshot));
  return v ? DecodeCounter(rocksdb::Slice(*v)) : int64_t{0};
}

util::Status Store::Flush() {
  // Read-only, or too full to write tables safely: the WAL keeps everything.
  if (impl_->read_only || impl_->BelowFloodStage()) return util::Status::Ok();
  rocksdb::FlushOptions fo;
  for (auto* h : impl_->handles) {
    SLUICE_RETURN_IF_ERROR(FromRocks(impl_->db->Flush(fo, h), "flush failed"));
  }
  return util::Status::Ok();
}

bool IsDiskFull(const util::Status& status) {
  return status.code() == util::Code::kTooManyRequests &&
         status.type() == "cluster_block_exception";
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char c = static_cast<unsigned char>(end.back());
    if (c != 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\xff');  // empty prefix: everything (practically)
}

}  // namespace sluice::storage
