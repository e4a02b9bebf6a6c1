#include "storage/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_TEST_ASAN 1
#endif
#endif
#ifndef SLUICE_TEST_ASAN
#define SLUICE_TEST_ASAN 0
#endif
#if SLUICE_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace sluice::storage {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Store> OpenStore() {
    auto store = Store::Open({.path = dir_.string()});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }
  std::filesystem::path dir_;
};

TEST_F(StoreTest, WritesSurviveReopen) {
  {
    auto store = OpenStore();
    WriteBatch batch;
    batch.Put(Column::kDocs, "a", "1");
    batch.Put(Column::kMeta, "a", "meta");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto store = OpenStore();
  auto docs = store->Get(Column::kDocs, "a");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->value_or(""), "1");
  EXPECT_EQ(store->Get(Column::kMeta, "a")->value_or(""), "meta");
  EXPECT_FALSE(store->Get(Column::kTasks, "a")->has_value());
}

TEST_F(StoreTest, ScanVisitsPrefixInOrderAndStopsOnFalse) {
  auto store = OpenStore();
  WriteBatch batch;
  for (const char* k : {"p/2", "p/1", "q/1", "p/3"}) batch.Put(Column::kDocs, k, k);
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store
                  ->Scan(Column::kDocs, "p/",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return seen.size() < 2;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"p/1", "p/2"}));
}

TEST_F(StoreTest, DeleteRangeRemovesOnlyThePrefix) {
  auto store = OpenStore();
  WriteBatch batch;
  for (const char* k : {"p/1", "p/2", "q/1"}) batch.Put(Column::kDocs, k, k);
  ASSERT_TRUE(store->Write(batch).ok());
  WriteBatch del;
  del.DeleteRange(Column::kDocs, "p/", PrefixEnd("p/"));
  ASSERT_TRUE(store->Write(del).ok());
  EXPECT_FALSE(store->Get(Column::kDocs, "p/1")->has_value());
  EXPECT_TRUE(store->Get(Column::kDocs, "q/1")->has_value());
}

TEST_F(StoreTest, CountersAddWithoutReadsAndSurviveReopen) {
  {
    auto store = OpenStore();
    WriteBatch batch;
    batch.AddCounter(Column::kTextStats, "c", 5);
    batch.AddCounter(Column::kTextStats, "c", -2);
    ASSERT_TRUE(store->Write(batch).ok());
    WriteBatch more;
    more.AddCounter(Column::kTextStats, "c", 10);
    ASSERT_TRUE(store->Write(more).ok());
    EXPECT_EQ(*store->GetCounter(Column::kTextStats, "c"), 13);
    EXPECT_EQ(*store->GetCounter(Column::kTextStats, "missing"), 0);
  }
  auto reopened = OpenStore();
  EXPECT_EQ(*reopened->GetCounter(Column::kTextStats, "c"), 13);
}

TEST_F(StoreTest, CursorSeeksAndReadsASnapshot) {
  auto store = OpenStore();
  WriteBatch batch;
  for (const char* k : {"a", "b", "d"}) batch.Put(Column::kPostings, k, k);
  ASSERT_TRUE(store->Write(batch).ok());
  auto cursor = store->NewCursor(Column::kPostings);
  WriteBatch later;
  later.Put(Column::kPostings, "c", "c");
  ASSERT_TRUE(store->Write(later).ok());
  cursor->Seek("b");
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "b");
  cursor->Next();
  ASSERT_TRUE(cursor->Valid());
  EXPECT_EQ(cursor->key(), "d");  // "c" came after the snapshot
  cursor->Next();
  EXPECT_FALSE(cursor->Valid());
  EXPECT_TRUE(cursor->status().ok());
}

TEST_F(StoreTest, OpenFailsCleanlyOnAFile) {
  std::filesystem::create_directories(dir_.parent_path());
  {
    std::FILE* f = std::fopen(dir_.c_str(), "w");
    std::fclose(f);
  }
  auto store = Store::Open({.path = dir_.string()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().type(), "io_exception");
}

TEST_F(StoreTest, ADatabaseOpenInAnotherProcessNamesThatProcess) {
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the database open until the parent closes `release`
    ::close(ready[0]);
    ::close(release[1]);
    auto store = Store::Open({.path = dir_.string()});
    char c = store.ok() ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(3);
    while (::read(release[0], &c, 1) > 0) {
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');

  EXPECT_EQ(LockHolder(dir_.string()), child);
  auto store = Store::Open({.path = dir_.string()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), util::Code::kConflict);
  EXPECT_EQ(store.status().metadata(), (util::Status::Metadata{{"pid", std::to_string(child)}}));

  ::close(release[1]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ::close(ready[0]);
  EXPECT_EQ(LockHolder(dir_.string()), 0);
  EXPECT_TRUE(Store::Open({.path = dir_.string()}).ok());
}

TEST_F(StoreTest, NoLockHolderForAClosedOrMissingDatabase) {
  EXPECT_EQ(LockHolder(dir_.string()), 0);
  { auto store = OpenStore(); }
  EXPECT_EQ(LockHolder(dir_.string()), 0);
}

// The flood stage, driven by the option (a real full disk is in
// tests/e2e/disk_full.test.mjs): writes are refused with OpenSearch's 429 and
// nothing half-written, reads go on, and a full disk at start opens read-only.
TEST_F(StoreTest, WritesUnderTheFloodStageAreRefusedWithOpenSearchs429) {
  StorageOptions options{.path = dir_.string()};
  {
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteBatch batch;
    batch.Put(Column::kDocs, "kept", "v");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  options.flood_stage_free_bytes = INT64_MAX;  // no filesystem has that much free
  options.read_only_when_disk_full = false;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteBatch batch;
  batch.Put(Column::kDocs, "refused", "v");
  util::Status s = (*store)->Write(batch);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(IsDiskFull(s)) << s.ToString();
  EXPECT_EQ(s.code(), util::Code::kTooManyRequests);
  EXPECT_EQ(s.type(), "cluster_block_exception");
  EXPECT_NE(s.reason().find("disk usage exceeded flood-stage watermark"), std::string::npos);
  EXPECT_TRUE((*store)->disk_full());
  EXPECT_FALSE((*store)->read_only());
  EXPECT_TRUE((*store)->Flush().ok());  // skipped: the WAL keeps everything
  EXPECT_EQ(*(*store)->Get(Column::kDocs, "kept"), std::optional<std::string>("v"));
  EXPECT_FALSE((*store)->Get(Column::kDocs, "refused")->has_value());
}

TEST_F(StoreTest, ADatabaseOpenedOnAFullDiskIsReadOnlyAndServesReads) {
  {
    auto store = OpenStore();
    WriteBatch batch;
    batch.Put(Column::kMeta, "m", "1");
    ASSERT_TRUE(store->Write(batch).ok());
  }  // closed without a flush of its own: the value may live in the WAL only
  StorageOptions options{.path = dir_.string()};
  options.flood_stage_free_bytes = INT64_MAX;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->read_only());
  EXPECT_EQ(*(*store)->Get(Column::kMeta, "m"), std::optional<std::string>("1"));
  WriteBatch batch;
  batch.Put(Column::kMeta, "m", "2");
  EXPECT_TRUE(IsDiskFull((*store)->Write(batch)));
  store->reset();
  // With room again it opens for writing.
  auto writable = OpenStore();
  EXPECT_FALSE(writable->read_only());
  ASSERT_TRUE(writable->Write(batch).ok());
}

TEST_F(StoreTest, NoFloodStageWhenTurnedOff) {
  StorageOptions options{.path = dir_.string()};
  options.flood_stage_free_bytes = 0;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok());
  WriteBatch batch;
  batch.Put(Column::kDocs, "k", "v");
  EXPECT_TRUE((*store)->Write(batch).ok());
  EXPECT_FALSE((*store)->disk_full());
}

// Resident memory of this process (VmRSS), in bytes.
// The memory the process holds for its data. Normally its resident set; under
// AddressSanitizer the resident set also holds the allocator's quarantine of freed
// blocks (256 MiB by default, far above the bound below), so there it is the bytes
// currently allocated through malloc/new, which is where RocksDB's memtable arenas
// come from (Debian's RocksDB is not instrumented, but its allocations go through
// ASan's malloc).
size_t MemoryInUse() {
#if SLUICE_TEST_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
#endif
}

// The memtables of all column families share StorageOptions::write_buffer_bytes:
// writing far more vector documents than that (documents and their binary
// vectors, two columns) keeps resident memory near the budget instead of
// growing by RocksDB's default memtables (128 MiB each, up to 6 per column).
// Under ASan the same bound applies to allocated bytes (MemoryInUse).
TEST_F(StoreTest, MemtablesStayWithinTheWriteBufferBudget) {
  StorageOptions options;
  options.path = dir_.string();
  options.sync = false;
  options.block_cache_bytes = 8u << 20;
  options.write_buffer_bytes = 16u << 20;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<float> vector(384);
  std::string source(6000, 'x');
  size_t before = MemoryInUse();
  size_t peak = before;
  uint32_t seed = 1;
  for (int batch_no = 0; batch_no < 320; ++batch_no) {  // ~320 MiB in all
    WriteBatch batch;
    for (int i = 0; i < 100; ++i) {
      for (float& f : vector) {
        seed = seed * 1664525u + 1013904223u;  // incompressible floats
        f = static_cast<float>(seed) / 4294967296.0f;
      }
      std::string key = "doc" + std::to_string(batch_no * 100 + i);
      batch.Put(Column::kDocs, key, source);
      batch.Put(Column::kVectors, key,
                std::string_view(reinterpret_cast<const char*>(vector.data()),
                                 vector.size() * sizeof(float)));
    }
    ASSERT_TRUE((*store)->Write(batch).ok());
    peak = std::max(peak, MemoryInUse());
  }
  // The budget, memtables being flushed and RocksDB's own overhead: far
  // under what was written.
  EXPECT_LT(peak - before, size_t{112} << 20) << "grew by " << ((peak - before) >> 20) << " MiB";
}

}  // namespace
}  // namespace sluice::storage
