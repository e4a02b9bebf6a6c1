#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <unordered_set>

#include "test_vectors.h"
#include "vector/distance.h"
#include "vector/vector_index.h"

namespace sluice::vector {
namespace {

using testing::Iota;
using testing::RandomVectors;

constexpr size_t kDim = 16;
constexpr size_t kCount = 2000;

std::unique_ptr<VectorIndex> Make(Engine engine, size_t dim, VectorIndexOptions options = {},
                                  int ef_construction = 100) {
  KnnMethod m;
  m.engine = engine;
  m.dimension = static_cast<int>(dim);
  m.ef_construction = ef_construction;
  auto r = CreateVectorIndex(m, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

// Exact top-k labels among `labels` (all when empty) by squared L2, ties by label.
std::vector<uint64_t> BruteForce(const std::vector<float>& data, size_t dim, const float* query,
                                 size_t k, const std::function<bool(uint64_t)>& allow = nullptr) {
  std::vector<std::pair<float, uint64_t>> all;
  for (size_t i = 0; i < data.size() / dim; ++i) {
    if (allow && !allow(i)) continue;
    all.emplace_back(L2SquaredDistance(query, data.data() + i * dim, dim), i);
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> out;
  for (size_t i = 0; i < std::min(k, all.size()); ++i) out.push_back(all[i].second);
  return out;
}

class FilteredSearchTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    data_ = RandomVectors(kCount, kDim, 11);
    VectorIndexOptions ann_only;
    ann_only.exact_search_max_distance_computations = 0;  // force the ANN path
    index_ = Make(GetParam(), kDim, ann_only);
    ASSERT_TRUE(index_->AddBatch(Iota(kCount), data_).ok());
  }
  std::span<const float> Query(size_t i) const {
    return std::span<const float>(data_.data() + i * kDim, kDim);
  }
  std::vector<float> data_;
  std::unique_ptr<VectorIndex> index_;
};

TEST_P(FilteredSearchTest, FilterAllowingNothingReturnsNothing) {
  SearchParams p;
  p.filter = [](uint64_t) { return false; };
  auto r = index_->Search(Query(0), 10, p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  std::vector<uint64_t> none;
  SearchParams list;
  list.allowed_labels = std::span<const uint64_t>(none);
  EXPECT_TRUE(index_->Search(Query(0), 10, list)->empty());
}

TEST_P(FilteredSearchTest, FilterAllowingOneLabelReturnsIt) {
  SearchParams p;
  p.filter = [](uint64_t label) { return label == 1234; };
  auto r = index_->Search(Query(0), 10, p);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].label, 1234u);
}

TEST_P(FilteredSearchTest, FilterAllowingFewerThanKReturnsAllOfThem) {
  std::vector<uint64_t> allowed = {3, 500, 501, 1500, 1999};
  SearchParams p;
  p.allowed_labels = std::span<const uint64_t>(allowed);
  auto r = index_->Search(Query(7), 10, p);
  ASSERT_EQ(r->size(), allowed.size());
  std::set<uint64_t> got;
  for (const Neighbor& n : *r) got.insert(n.label);
  EXPECT_EQ(got, std::set<uint64_t>(allowed.begin(), allowed.end()));
  for (size_t i = 1; i < r->size(); ++i) EXPECT_GE((*r)[i - 1].score, (*r)[i].score);
}

TEST_P(FilteredSearchTest, SelectiveFilterNeverLeaksAndIsNeverShort) {
  for (uint64_t modulo : {97, 31, 7, 2}) {
    std::vector<uint64_t> allowed;
    for (uint64_t l = 0; l < kCount; l += modulo) allowed.push_back(l);
    for (bool with_list : {true, false}) {
      SearchParams p;
      if (with_list) {
        p.allowed_labels = std::span<const uint64_t>(allowed);
      } else {
        p.filter = [modulo](uint64_t label) { return label % modulo == 0; };
      }
      for (size_t q = 0; q < 10; ++q) {
        auto r = index_->Search(Query(q * 13 + 1), 10, p);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->size(), 10u) << "modulo " << modulo;
        for (const Neighbor& n : *r) EXPECT_EQ(n.label % modulo, 0u);
        auto truth = BruteForce(data_, kDim, Query(q * 13 + 1).data(), 1,
                                [modulo](uint64_t l) { return l % modulo == 0; });
        EXPECT_EQ((*r)[0].label, truth[0]);
      }
    }
  }
}

TEST_P(FilteredSearchTest, FilterAllowingEverythingMatchesUnfiltered) {
  SearchParams p;
  p.filter = [](uint64_t) { return true; };
  auto filtered = index_->Search(Query(5), 10, p);
  auto plain = index_->Search(Query(5), 10);
  ASSERT_EQ(filtered->size(), 10u);
  ASSERT_EQ(plain->size(), 10u);
  EXPECT_EQ((*filtered)[0].label, 5u);
  EXPECT_EQ((*plain)[0].label, 5u);
}

TEST_P(FilteredSearchTest, SmallAllowedListsAreSearchedExactly) {
  auto exact_index = Make(GetParam(), kDim);
  ASSERT_TRUE(exact_index->AddBatch(Iota(kCount), data_).ok());
  std::vector<uint64_t> allowed;
  for (uint64_t l = 0; l < kCount; l += 3) allowed.push_back(l);
  SearchParams p;
  p.allowed_labels = std::span<const uint64_t>(allowed);
  auto r = exact_index->Search(Query(2), 10, p);
  auto truth = BruteForce(data_, kDim, Query(2).data(), 10, [](uint64_t l) { return l % 3 == 0; });
  ASSERT_EQ(r->size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ((*r)[i].label, truth[i]);
}

TEST_P(FilteredSearchTest, RadialSearchReturnsEverythingWithinTheThreshold) {
  const float* q = Query(42).data();
  std::vector<float> d;
  for (size_t i = 0; i < kCount; ++i) d.push_back(L2SquaredDistance(q, data_.data() + i * kDim, kDim));
  std::vector<float> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  float threshold = sorted[30];  // about 31 entries inside
  size_t inside = std::count_if(d.begin(), d.end(), [&](float x) { return x <= threshold; });
  SearchParams p;
  p.max_distance = threshold;
  auto r = index_->Search(Query(42), 10000, p);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->size(), inside * 9 / 10);  // ANN path: allow a small miss
  for (const Neighbor& n : *r) EXPECT_LE(n.distance, threshold);

  auto exact = Make(GetParam(), kDim);
  ASSERT_TRUE(exact->AddBatch(Iota(kCount), data_).ok());
  auto all = exact->Search(Query(42), 10000, p);
  EXPECT_EQ(all->size(), inside);
  SearchParams by_score;
  by_score.min_score = DistanceToScore(SpaceType::kL2, threshold);
  auto scored = exact->Search(Query(42), 10000, by_score);
  EXPECT_EQ(scored->size(), inside);
  for (const Neighbor& n : *scored) EXPECT_GE(n.score, *by_score.min_score);
  auto capped = exact->Search(Query(42), 5, p);
  EXPECT_EQ(capped->size(), 5u);
}

TEST_P(FilteredSearchTest, ExactSearchScoresOnlyTheCandidates) {
  std::vector<uint64_t> candidates = {10, 20, 30, 999999};
  auto r = index_->ExactSearch(Query(20), candidates, 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].label, 20u);
  EXPECT_FLOAT_EQ((*r)[0].score, 1.0f);
  auto top1 = index_->ExactSearch(Query(20), candidates, 1);
  EXPECT_EQ(top1->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, FilteredSearchTest,
                         ::testing::Values(Engine::kFaiss, Engine::kNmslib),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

// ---- Recall on the shared data sets -------------------------------------------------------

struct DataSet {
  size_t dim = 128;
  std::vector<uint64_t> labels;
  std::vector<float> base;
  std::vector<float> queries;
  std::vector<std::vector<uint64_t>> truth;  // top-10 labels per query
};

DataSet LoadSynthetic() {
  DataSet ds;
  const std::string dir = "ann/opensearch-knn-synthetic/";
  for (const std::string& line : testing::Lines(testing::DataPath(dir + "test_vectors_1000x128.json"))) {
    auto nums = testing::Numbers(line);  // id, then 128 values
    ds.labels.push_back(static_cast<uint64_t>(nums[0]));
    for (size_t i = 1; i < nums.size(); ++i) ds.base.push_back(static_cast<float>(nums[i]));
  }
  for (const std::string& line : testing::Lines(testing::DataPath(dir + "test_queries_100x128.csv"))) {
    for (double v : testing::Numbers(line)) ds.queries.push_back(static_cast<float>(v));
  }
  for (const std::string& line :
       testing::Lines(testing::DataPath(dir + "test_ground_truth_l2_100.csv"))) {
    auto nums = testing::Numbers(line);
    ds.truth.emplace_back(nums.begin(), nums.begin() + 10);
  }
  return ds;
}

DataSet LoadSiftHoldOut() {
  DataSet ds;
  auto lines = testing::Lines(testing::DataPath("ann/ngt-sift5k/sift-dataset-5k.tsv"));
  for (size_t row = 0; row < lines.size(); ++row) {
    auto nums = testing::Numbers(lines[row]);  // 128 values, then the id column
    std::vector<float>& dst = row % 25 == 0 ? ds.queries : ds.base;
    for (size_t i = 0; i < 128; ++i) dst.push_back(static_cast<float>(nums[i]));
    if (row % 25 != 0) ds.labels.push_back(row);
  }
  std::vector<float> base = ds.base;
  for (size_t q = 0; q < ds.queries.size() / 128; ++q) {
    auto top = BruteForce(base, 128, ds.queries.data() + q * 128, 10);
    for (uint64_t& i : top) i = ds.labels[i];
    ds.truth.push_back(top);
  }
  return ds;
}

double Recall(Engine engine, const DataSet& ds) {
  KnnMethod m;
  m.engine = engine;
  m.dimension = 128;
  m.m = 16;
  m.ef_construction = 200;
  m.ef_search = 100;
  auto index = std::move(CreateVectorIndex(m)).value();
  EXPECT_TRUE(index->AddBatch(ds.labels, ds.base).ok());
  size_t hit = 0, total = 0;
  for (size_t q = 0; q < ds.truth.size(); ++q) {
    auto r = index->Search(std::span<const float>(ds.queries.data() + q * 128, 128), 10);
    EXPECT_TRUE(r.ok());
    std::unordered_set<uint64_t> truth(ds.truth[q].begin(), ds.truth[q].end());
    for (const Neighbor& n : *r) hit += truth.count(n.label);
    total += 10;
  }
  return static_cast<double>(hit) / static_cast<double>(total);
}

class RecallTest : public ::testing::TestWithParam<Engine> {};

TEST_P(RecallTest, OpenSearchSyntheticRecallAt10IsAtLeast095) {
  DataSet ds = LoadSynthetic();
  ASSERT_EQ(ds.labels.size(), 1000u);
  ASSERT_EQ(ds.truth.size(), 100u);
  double recall = Recall(GetParam(), ds);
  std::printf("recall@10 synthetic %s = %.4f\n", EngineName(GetParam()).data(), recall);
  RecordProperty("recall", std::to_string(recall));
  EXPECT_GE(recall, 0.95);
}

TEST_P(RecallTest, SiftHoldOutRecallAt10IsAtLeast095) {
  DataSet ds = LoadSiftHoldOut();
  ASSERT_EQ(ds.labels.size(), 4800u);
  ASSERT_EQ(ds.truth.size(), 200u);
  double recall = Recall(GetParam(), ds);
  std::printf("recall@10 sift5k %s = %.4f\n", EngineName(GetParam()).data(), recall);
  RecordProperty("recall", std::to_string(recall));
  EXPECT_GE(recall, 0.95);
}

INSTANTIATE_TEST_SUITE_P(Engines, RecallTest, ::testing::Values(Engine::kFaiss, Engine::kNmslib),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

}  // namespace
}  // namespace sluice::vector
