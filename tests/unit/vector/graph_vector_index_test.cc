#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <set>
#include <thread>

#include "test_vectors.h"
#include "vector/vector_index.h"

namespace sluice::vector {
namespace {

using testing::Iota;
using testing::RandomVectors;

std::unique_ptr<VectorIndex> Make(Engine engine, SpaceType space, int dim,
                                  VectorIndexOptions options = {}) {
  KnnMethod m;
  m.engine = engine;
  m.space = space;
  m.dimension = dim;
  auto r = CreateVectorIndex(m, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

class VectorIndexTest : public ::testing::TestWithParam<Engine> {};

TEST_P(VectorIndexTest, FindsAnAddedVectorWithScoreOne) {
  auto index = Make(GetParam(), SpaceType::kL2, 2);
  ASSERT_TRUE(index->Add(7, std::vector<float>{2.0f, 3.0f}).ok());
  ASSERT_TRUE(index->Add(9, std::vector<float>{1.5f, 2.5f}).ok());
  auto r = index->Search(std::vector<float>{2.0f, 3.0f}, 10);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].label, 7u);
  EXPECT_FLOAT_EQ((*r)[0].score, 1.0f);
  EXPECT_EQ((*r)[1].label, 9u);
  EXPECT_FLOAT_EQ((*r)[1].distance, 0.5f);
  EXPECT_FLOAT_EQ((*r)[1].score, 1.0f / 1.5f);
  EXPECT_EQ(index->Size(), 2u);
  EXPECT_EQ(index->Dimension(), 2);
  EXPECT_GT(index->MemoryBytes(), 0u);
}

TEST_P(VectorIndexTest, AddingAnExistingLabelReplacesItsVector) {
  auto index = Make(GetParam(), SpaceType::kL2, 2);
  ASSERT_TRUE(index->Add(1, std::vector<float>{0.0f, 0.0f}).ok());
  ASSERT_TRUE(index->Add(2, std::vector<float>{10.0f, 10.0f}).ok());
  ASSERT_TRUE(index->Add(1, std::vector<float>{20.0f, 20.0f}).ok());
  EXPECT_EQ(index->Size(), 2u);
  auto r = index->Search(std::vector<float>{20.0f, 20.0f}, 10);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].label, 1u);
  EXPECT_FLOAT_EQ((*r)[0].distance, 0.0f);
}

TEST_P(VectorIndexTest, BatchWithARepeatedLabelKeepsTheLastVector) {
  auto index = Make(GetParam(), SpaceType::kL2, 1);
  std::vector<uint64_t> labels = {5, 6, 5};
  std::vector<float> vectors = {1.0f, 2.0f, 3.0f};
  ASSERT_TRUE(index->AddBatch(labels, vectors).ok());
  EXPECT_EQ(index->Size(), 2u);
  auto r = index->Search(std::vector<float>{3.0f}, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].label, 5u);
  EXPECT_FLOAT_EQ((*r)[0].distance, 0.0f);
}

TEST_P(VectorIndexTest, RemovedLabelsAreNeverReturned) {
  const size_t n = 300, dim = 8;
  auto index = Make(GetParam(), SpaceType::kL2, dim);
  auto vectors = RandomVectors(n, dim, 1);
  ASSERT_TRUE(index->AddBatch(Iota(n), vectors).ok());
  for (uint64_t label = 0; label < n; label += 2) ASSERT_TRUE(index->Remove(label).ok());
  ASSERT_TRUE(index->Remove(100000).ok());  // absent: no-op
  EXPECT_EQ(index->Size(), n / 2);
  EXPECT_FALSE(index->Contains(0));
  EXPECT_TRUE(index->Contains(1));
  for (size_t q = 0; q < 20; ++q) {
    auto r = index->Search(std::span<const float>(vectors.data() + q * dim, dim), 10);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 10u);
    for (const Neighbor& n : *r) EXPECT_EQ(n.label % 2, 1u);
  }
}

TEST_P(VectorIndexTest, RemovingEverythingLeavesAnEmptyIndex) {
  auto index = Make(GetParam(), SpaceType::kL2, 4);
  auto vectors = RandomVectors(100, 4, 2);
  ASSERT_TRUE(index->AddBatch(Iota(100), vectors).ok());
  for (uint64_t label = 0; label < 100; ++label) ASSERT_TRUE(index->Remove(label).ok());
  EXPECT_EQ(index->Size(), 0u);
  auto r = index->Search(std::span<const float>(vectors.data(), 4), 5);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ASSERT_TRUE(index->Add(3, std::span<const float>(vectors.data(), 4)).ok());
  r = index->Search(std::span<const float>(vectors.data(), 4), 5);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].label, 3u);
}

TEST_P(VectorIndexTest, GrowsBeyondItsInitialCapacity) {
  VectorIndexOptions options;
  options.initial_capacity = 4;
  auto index = Make(GetParam(), SpaceType::kL2, 4, options);
  auto vectors = RandomVectors(500, 4, 3);
  for (size_t i = 0; i < 500; i += 50) {
    ASSERT_TRUE(index
                    ->AddBatch(std::span<const uint64_t>(Iota(50, i)),
                               std::span<const float>(vectors.data() + i * 4, 50 * 4))
                    .ok());
  }
  EXPECT_EQ(index->Size(), 500u);
  auto r = index->Search(std::span<const float>(vectors.data() + 123 * 4, 4), 1);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].label, 123u);
}

TEST_P(VectorIndexTest, RejectsBadInput) {
  auto index = Make(GetParam(), SpaceType::kCosineSimil, 3);
  util::Status dim = index->Add(1, std::vector<float>{1.0f, 2.0f});
  EXPECT_EQ(dim.type(), "illegal_argument_exception");
  EXPECT_EQ(dim.reason(), "Vector dimension mismatch. Expected: 3, Given: 2");
  EXPECT_EQ(index->Add(1, std::vector<float>{NAN, 1.0f, 1.0f}).reason(),
            "KNN vector values cannot be NaN");
  EXPECT_EQ(index->Add(1, std::vector<float>{INFINITY, 1.0f, 1.0f}).reason(),
            "KNN vector values cannot be infinity");
  EXPECT_EQ(index->Add(1, std::vector<float>{0.0f, 0.0f, 0.0f}).reason(),
            "zero vector is not supported when space type is [cosinesimil]");
  EXPECT_FALSE(index->Add(kInvalidLabel, std::vector<float>{1.0f, 1.0f, 1.0f}).ok());
  std::vector<uint64_t> labels = {1, 2};
  EXPECT_FALSE(index->AddBatch(labels, std::vector<float>{1.0f, 1.0f, 1.0f}).ok());
  EXPECT_EQ(index->Size(), 0u);
  auto q = index->Search(std::vector<float>{1.0f}, 3);
  EXPECT_EQ(q.status().reason(), "Query vector has invalid dimension: 1. Dimension should be: 3");
}

TEST_P(VectorIndexTest, CosineAndInnerProductScoresMatchThePlugin) {
  auto cosine = Make(GetParam(), SpaceType::kCosineSimil, 2);
  ASSERT_TRUE(cosine->Add(1, std::vector<float>{3.0f, 0.0f}).ok());
  auto c = cosine->Search(std::vector<float>{1.0f, 1.0f}, 1);
  ASSERT_EQ(c->size(), 1u);
  float cos = 1.0f / std::sqrt(2.0f);
  EXPECT_NEAR((*c)[0].distance, 1.0f - cos, 1e-6);
  EXPECT_NEAR((*c)[0].score, (1.0f + cos) / 2.0f, 1e-6);

  auto ip = Make(GetParam(), SpaceType::kInnerProduct, 2);
  ASSERT_TRUE(ip->Add(1, std::vector<float>{1.0f, 2.0f}).ok());
  ASSERT_TRUE(ip->Add(2, std::vector<float>{-1.0f, -2.0f}).ok());
  auto r = ip->Search(std::vector<float>{1.0f, 1.0f}, 2);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].label, 1u);
  EXPECT_NEAR((*r)[0].distance, -3.0f, 1e-6);
  EXPECT_NEAR((*r)[0].score, 4.0f, 1e-6);  // dot 3 > 0 -> 1 + dot
  EXPECT_NEAR((*r)[1].score, 0.25f, 1e-6);  // dot -3 -> 1 / (1 + 3)
}

TEST_P(VectorIndexTest, SearchesDuringConcurrentBatchesNeverFail) {
  const size_t dim = 16, batches = 20, per_batch = 200;
  VectorIndexOptions options;
  options.threads = 2;
  options.initial_capacity = 64;  // force growth while searching
  auto index = Make(GetParam(), SpaceType::kL2, dim, options);
  auto vectors = RandomVectors(batches * per_batch, dim, 4);
  ASSERT_TRUE(index->AddBatch(Iota(per_batch), std::span<const float>(vectors.data(),
                                                                       per_batch * dim))
                  .ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> searches{0};
  auto searcher = [&] {
    size_t q = 0;
    while (!done.load()) {
      auto r = index->Search(std::span<const float>(vectors.data() + (q++ % per_batch) * dim, dim),
                             10);
      if (!r.ok() || r->size() != 10) ++failures;
      for (const Neighbor& n : r.ok() ? *r : std::vector<Neighbor>{}) {
        if (n.label >= batches * per_batch) ++failures;
      }
      ++searches;
    }
  };
  std::thread s1(searcher), s2(searcher);
  for (size_t b = 1; b < batches; ++b) {
    auto labels = Iota(per_batch, b * per_batch);
    ASSERT_TRUE(index
                    ->AddBatch(labels, std::span<const float>(vectors.data() + b * per_batch * dim,
                                                              per_batch * dim))
                    .ok());
    if (b % 5 == 0) {
      ASSERT_TRUE(index->Remove(b).ok());
    }
  }
  done = true;
  s1.join();
  s2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(index->Size(), batches * per_batch - 3);
}

TEST_P(VectorIndexTest, CompactsAfterManyRemovalsAndKeepsAnswering) {
  VectorIndexOptions options;
  options.compact_deleted_ratio = 0.2;
  const size_t n = 400, dim = 8;
  auto index = Make(GetParam(), SpaceType::kL2, dim, options);
  auto vectors = RandomVectors(n, dim, 5);
  ASSERT_TRUE(index->AddBatch(Iota(n), vectors).ok());
  for (uint64_t label = 0; label < 300; ++label) ASSERT_TRUE(index->Remove(label).ok());
  EXPECT_EQ(index->Size(), 100u);
  auto r = index->Search(std::span<const float>(vectors.data() + 350 * dim, dim), 5);
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].label, 350u);
  for (const Neighbor& nb : *r) EXPECT_GE(nb.label, 300u);
  // Replacing after compaction still works.
  ASSERT_TRUE(index->Add(350, std::span<const float>(vectors.data() + 399 * dim, dim)).ok());
  r = index->Search(std::span<const float>(vectors.data() + 399 * dim, dim), 2);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_FLOAT_EQ((*r)[0].distance, 0.0f);
  EXPECT_FLOAT_EQ((*r)[1].distance, 0.0f);
  EXPECT_EQ((*r)[0].label, 350u);  // ties broken by label
  EXPECT_EQ((*r)[1].label, 399u);
}

INSTANTIATE_TEST_SUITE_P(Engines, VectorIndexTest,
                         ::testing::Values(Engine::kFaiss, Engine::kNmslib, Engine::kLucene),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

TEST(VectorIndexHnswlibTest, L1AndLinfUseThePluginDistances) {
  auto l1 = Make(Engine::kNmslib, SpaceType::kL1, 2);
  ASSERT_TRUE(l1->Add(1, std::vector<float>{1.0f, 5.0f}).ok());
  auto r = l1->Search(std::vector<float>{0.0f, 1.0f}, 1);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FLOAT_EQ((*r)[0].distance, 5.0f);
  EXPECT_FLOAT_EQ((*r)[0].score, 1.0f / 6.0f);
  auto linf = Make(Engine::kNmslib, SpaceType::kLInf, 2);
  ASSERT_TRUE(linf->Add(1, std::vector<float>{1.0f, 5.0f}).ok());
  r = linf->Search(std::vector<float>{0.0f, 1.0f}, 1);
  EXPECT_FLOAT_EQ((*r)[0].distance, 4.0f);
  EXPECT_FLOAT_EQ((*r)[0].score, 0.2f);
}

TEST(VectorIndexFactoryTest, RejectsInvalidMethods) {
  KnnMethod m;
  m.dimension = 4;
  m.space = SpaceType::kL1;  // faiss has no l1
  auto r = CreateVectorIndex(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "validation_exception");
}

}  // namespace
}  // namespace sluice::vector
