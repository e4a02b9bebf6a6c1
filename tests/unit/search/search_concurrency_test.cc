// Concurrency of the index write path with searches, gets and the metrics
// reads (doc_count, stored_bytes). Written for the TSan build (`make
// test-sanitize`), where a data race fails the test; in other builds it checks
// what readers may observe: every batch is published whole.
//
// Threads synchronise on events (a latch, an atomic flag set after the last
// write), never on sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "index/test_store.h"
#include "search/search_request.h"

namespace sluice::search {
namespace {

constexpr int kBatches = 8;
constexpr int kBatchSize = 20;

class SearchConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = index::IndexSettings::Parse(R"({"index.knn":true})");
    ASSERT_TRUE(s.ok());
    auto m = index::Mapping::Parse(
        // hnswlib (engine lucene): its parallel builds use std::thread, which TSan
        // sees; FAISS's OpenMP runtime is not instrumented.
        R"({"properties":{"v":{"type":"knn_vector","dimension":4,
              "method":{"name":"hnsw","engine":"lucene","space_type":"l2"}},"tag":{"type":"keyword"},
            "body":{"type":"text"},"n":{"type":"long"}}})",
        true);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    index::IndexOptions options;
    options.vector_threads = 2;
    auto i = index::Index::Create(store_.get(), "c", *s, *m, options);
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
  }

  static std::vector<index::WriteOp> Batch(int b) {
    std::vector<index::WriteOp> ops(kBatchSize);
    for (int d = 0; d < kBatchSize; ++d) {
      int n = b * kBatchSize + d;
      ops[d].id = "d" + std::to_string(n);
      ops[d].source = R"({"v":[)" + std::to_string(n % 7) + "," + std::to_string(n % 5) +
                      R"(,1,0],"tag":"t)" + std::to_string(n % 3) + R"(","body":"word )" +
                      std::to_string(n % 4) + R"( shared","n":)" + std::to_string(n) + "}";
    }
    return ops;
  }

  SearchResponse Search(std::string_view body) {
    auto request = ParseSearchRequest(body);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    if (!request.ok()) return {};
    auto r = ExecuteSearch(*request, {index_});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : SearchResponse();
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(SearchConcurrencyTest, SearchesSeeWholeBatchesWhileWritesRun) {
  constexpr int kReaders = 2;
  std::latch readers_started(kReaders + 1);  // the readers and the metrics reader
  std::atomic<bool> writes_done{false};

  std::thread writer([&] {
    readers_started.wait();
    for (int b = 0; b < kBatches; ++b) {
      for (const auto& r : index_->Write(Batch(b)))
        EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    }
    writes_done = true;
  });

  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      uint64_t last_total = 0;
      bool counted_down = false;
      do {
        SearchResponse all = Search(R"({"size":3,"track_total_hits":true})");
        // Batches are published under one exclusive lock: never half of one.
        EXPECT_EQ(all.total % kBatchSize, 0u) << all.total;
        EXPECT_GE(all.total, last_total);
        last_total = all.total;
        Search(R"({"query":{"term":{"tag":"t1"}},"size":5})");
        Search(R"({"query":{"match":{"body":"shared"}},"size":5})");
        SearchResponse knn = Search(R"({"query":{"knn":{"v":{"vector":[1,1,1,0],"k":5}}}})");
        EXPECT_LE(knn.hits.size(), 5u);
        auto got = index_->Get("d" + std::to_string(t));
        EXPECT_TRUE(got.ok());
        if (!counted_down) {
          readers_started.count_down();
          counted_down = true;
        }
      } while (!writes_done);
    });
  }

  // The metrics collector's reads: lock-free stored_bytes() and doc_count().
  std::thread metrics([&] {
    uint64_t last_bytes = 0;
    bool counted_down = false;
    do {
      uint64_t bytes = index_->stored_bytes();
      EXPECT_GE(bytes, last_bytes);
      last_bytes = bytes;
      EXPECT_LE(index_->doc_count(), static_cast<uint64_t>(kBatches * kBatchSize));
      if (!counted_down) {
        readers_started.count_down();
        counted_down = true;
      }
    } while (!writes_done);
  });

  writer.join();
  for (auto& r : readers) r.join();
  metrics.join();
  EXPECT_EQ(index_->doc_count(), static_cast<uint64_t>(kBatches * kBatchSize));
  EXPECT_GT(index_->stored_bytes(), 0u);
  EXPECT_EQ(Search(R"({"track_total_hits":true})").total,
            static_cast<uint64_t>(kBatches * kBatchSize));
}

TEST_F(SearchConcurrencyTest, MappingChangesAndDynamicFieldsRaceWithSearches) {
  std::latch reader_started(1);
  std::atomic<bool> writes_done{false};
  std::thread writer([&] {
    reader_started.wait();
    for (int b = 0; b < 6; ++b) {
      std::vector<index::WriteOp> ops(5);
      for (int d = 0; d < 5; ++d) {
        ops[d].id = "m" + std::to_string(b * 5 + d);
        // A new dynamic field per batch changes the mapping under the readers.
        ops[d].source = R"({"f)" + std::to_string(b) + R"(":"x","n":)" + std::to_string(d) + "}";
      }
      for (const auto& r : index_->Write(std::move(ops))) EXPECT_TRUE(r.status.ok());
      EXPECT_TRUE(index_
                      ->MergeMapping(R"({"properties":{"k)" + std::to_string(b) +
                                     R"(":{"type":"keyword"}}})")
                      .ok());
    }
    writes_done = true;
  });
  bool counted_down = false;
  do {
    std::string mapping = index_->MappingJson();
    EXPECT_NE(mapping.find("\"properties\""), std::string::npos);
    Search(R"({"query":{"exists":{"field":"f3"}}})");
    if (!counted_down) {
      reader_started.count_down();
      counted_down = true;
    }
  } while (!writes_done);
  writer.join();
  EXPECT_EQ(index_->doc_count(), 30u);
}

}  // namespace
}  // namespace sluice::search
