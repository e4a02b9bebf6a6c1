#include "storage/store.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <cstring>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::storage {
namespace {

constexpr std::array<const char*, 6> kColumnNames = {"meta",    "docs",    "tasks",
                                                     "staging", "postings", "text_stats"};

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
  ~RocksCursor() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
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
  const rocksdb::Snapshot* snapshot_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

util::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return util::Status::Ok();
  return util::IoError(std::string(what) + ": " + s.ToString());
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

  rocksdb::ColumnFamilyHandle* Handle(Column c) const { return handles[static_cast<size_t>(c)]; }

  ~Impl() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
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
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;

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
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
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
  return FromRocks(impl_->db->Write(wo, &rb), "write failed");
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

util::Status Store::Flush() {
  rocksdb::FlushOptions fo;
  for (auto* h : impl_->handles) {
    SLUICE_RETURN_IF_ERROR(FromRocks(impl_->db->Flush(fo, h), "flush failed"));
  }
  return util::Status::Ok();
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
