#include "search/search_pipeline.h"

#include <gtest/gtest.h>

#include "index/test_store.h"

namespace sluice::search {
namespace {

std::string Reason(std::string_view body) {
  auto p = ParseSearchPipeline("p", body);
  EXPECT_FALSE(p.ok()) << body;
  return p.ok() ? "" : p.status().type() + ": " + p.status().reason();
}

TEST(SearchPipelineTest, ParsesNormalizationProcessorWithDefaults) {
  auto p = ParseSearchPipeline(
      "p", R"({"description":"d","phase_results_processors":[{"normalization-processor":{}}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->hybrid);
  EXPECT_EQ(p->hybrid->normalization, HybridScoring::Normalization::kMinMax);
  EXPECT_EQ(p->hybrid->combination, HybridScoring::Combination::kArithmeticMean);
  EXPECT_TRUE(p->hybrid->weights.empty());
}

TEST(SearchPipelineTest, ParsesTechniquesWeightsAndLowerBounds) {
  auto p = ParseSearchPipeline("p", R"({"phase_results_processors":[{"normalization-processor":{
      "normalization":{"technique":"min_max","parameters":{"lower_bounds":[{"mode":"clip","min_score":0.2},{}]}},
      "combination":{"technique":"harmonic_mean","parameters":{"weights":[0.25,0.75]}}}}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->hybrid->combination, HybridScoring::Combination::kHarmonicMean);
  EXPECT_EQ(p->hybrid->weights, (std::vector<float>{0.25f, 0.75f}));
  ASSERT_EQ(p->hybrid->lower_bounds->size(), 2u);
  EXPECT_EQ((*p->hybrid->lower_bounds)[0].mode, HybridScoring::LowerBound::Mode::kClip);
  EXPECT_FLOAT_EQ((*p->hybrid->lower_bounds)[0].min_score, 0.2f);
  EXPECT_EQ((*p->hybrid->lower_bounds)[1].mode, HybridScoring::LowerBound::Mode::kApply);
}

TEST(SearchPipelineTest, ParsesScoreRanker) {
  auto p = ParseSearchPipeline("p", R"({"phase_results_processors":[{"score-ranker-processor":{
      "combination":{"technique":"rrf","parameters":{"rank_constant":10}}}}]})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->hybrid->normalization, HybridScoring::Normalization::kRrf);
  EXPECT_EQ(p->hybrid->rank_constant, 10);
}

TEST(SearchPipelineTest, RefusesWhatNeuralSearchRefuses) {
  EXPECT_EQ(Reason(R"({"request_processors":[],"invalid_field":{}})"),
            "parse_exception: pipeline [p] doesn't support one or more provided configuration "
            "parameters [invalid_field]");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"normalization-processor":{"normalization":{"technique":"max"}}}]})"),
      "illegal_argument_exception: provided normalization technique is not supported");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"normalization-processor":{"combination":{"technique":"sum"}}}]})"),
      "illegal_argument_exception: provided combination technique is not supported");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"normalization-processor":{"combination":{"parameters":{"weights":[0.3,0.3]}}}}]})"),
      "illegal_argument_exception: sum of weights for combination must be equal to 1.0, "
      "submitted weights: [0.3, 0.3]");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"normalization-processor":{"combination":{"parameters":{"weights":[1.5,-0.5]}}}}]})"),
      "illegal_argument_exception: all weights must be in range [0.0 ... 1.0], submitted "
      "weights: [1.5, -0.5]");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"normalization-processor":{"combination":{"parameters":{"foo":1}}}}]})"),
      "illegal_argument_exception: provided parameter for combination technique is not "
      "supported. supported parameters are [weights]");
  EXPECT_EQ(
      Reason(
          R"({"phase_results_processors":[{"score-ranker-processor":{"combination":{"parameters":{"rank_constant":0}}}}]})"),
      "illegal_argument_exception: rank constant must be in the interval between 1 and "
      "10000, submitted rank constant: 0");
  EXPECT_NE(Reason(R"({"request_processors":[{"filter_query":{}}]})").find("not supported"),
            std::string::npos);
}

TEST(SearchPipelineStoreTest, PersistsAcrossReopen) {
  testutil::TempStore store;
  {
    auto pipelines = SearchPipelineStore::Open(store.get());
    ASSERT_TRUE(pipelines.ok());
    ASSERT_TRUE((*pipelines)->Put("a", R"({"description":"first"})").ok());
    ASSERT_TRUE((*pipelines)->Put("b", R"({"version":3})").ok());
    EXPECT_FALSE((*pipelines)->Put("c", R"({"nope":1})").ok());
    auto deleted = (*pipelines)->Delete("b");
    ASSERT_TRUE(deleted.ok() && *deleted);
  }
  store.Reopen();
  auto pipelines = SearchPipelineStore::Open(store.get());
  ASSERT_TRUE(pipelines.ok());
  ASSERT_NE((*pipelines)->Get("a"), nullptr);
  EXPECT_EQ((*pipelines)->Get("a")->body, R"({"description":"first"})");
  EXPECT_EQ((*pipelines)->Get("b"), nullptr);
  EXPECT_EQ((*pipelines)->Get("c"), nullptr);
  EXPECT_EQ((*pipelines)->Find({"*"}).size(), 1u);
}

}  // namespace
}  // namespace sluice::search
