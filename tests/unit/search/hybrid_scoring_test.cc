#include "search/hybrid_scoring.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::search {
namespace {

using Norm = HybridScoring::Normalization;
using Comb = HybridScoring::Combination;

HybridScoring Scoring(Norm n, Comb c, std::vector<float> weights = {}) {
  HybridScoring s;
  s.normalization = n;
  s.combination = c;
  s.weights = std::move(weights);
  return s;
}

// One shard, two sub-queries: lexical {doc1: 4, doc2: 2, doc3: 1}, knn {doc1: 0.9, doc4: 0.5}.
SubQueryResults Example() { return {{{{1, 4.0f}, {2, 2.0f}, {3, 1.0f}}, {{1, 0.9f}, {4, 0.5f}}}}; }

float ScoreOf(const DocList& list, index::DocNo doc) {
  for (const auto& d : list) {
    if (d.doc == doc) return d.score;
  }
  ADD_FAILURE() << "doc " << doc << " missing";
  return -1;
}

TEST(HybridScoringTest, MinMaxFloorsTheMinimumAndArithmeticMeanCountsMissingAsZero) {
  auto out =
      NormalizeAndCombine(Scoring(Norm::kMinMax, Comb::kArithmeticMean, {0.4f, 0.6f}), Example());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const DocList& docs = (*out)[0];
  ASSERT_EQ(docs.size(), 4u);
  // lexical: (s - 1) / 3 with 0 → 0.001; knn: (s - 0.5) / 0.4.
  EXPECT_FLOAT_EQ(ScoreOf(docs, 1), 1.0f);
  EXPECT_FLOAT_EQ(ScoreOf(docs, 2), 0.4f * (1.0f / 3.0f));
  EXPECT_FLOAT_EQ(ScoreOf(docs, 3), 0.4f * 0.001f);
  EXPECT_FLOAT_EQ(ScoreOf(docs, 4), 0.6f * 0.001f);
  // Score descending.
  EXPECT_EQ(docs[0].doc, 1u);
  EXPECT_EQ(docs[1].doc, 2u);
  EXPECT_EQ(docs[2].doc, 4u);
  EXPECT_EQ(docs[3].doc, 3u);
}

TEST(HybridScoringTest, MinMaxOfASingleHitIsOne) {
  SubQueryResults r = {{{{7, 3.5f}}, {{7, 0.2f}}}};
  auto out = NormalizeAndCombine(Scoring(Norm::kMinMax, Comb::kArithmeticMean), r);
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ((*out)[0][0].score, 1.0f);
}

TEST(HybridScoringTest, NormalizesOverAllShardsTogether) {
  // Shard 0 has the lexical max, shard 1 the min: per-shard normalization would give both 1.
  SubQueryResults r = {{{{1, 4.0f}}}, {{{1, 2.0f}}}};
  auto out = NormalizeAndCombine(Scoring(Norm::kMinMax, Comb::kArithmeticMean), r);
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ((*out)[0][0].score, 1.0f);
  EXPECT_FLOAT_EQ((*out)[1][0].score, 0.001f);
}

TEST(HybridScoringTest, L2WithGeometricMeanSkipsMissingSubQueries) {
  auto out = NormalizeAndCombine(Scoring(Norm::kL2, Comb::kGeometricMean), Example());
  ASSERT_TRUE(out.ok());
  const float n1 = std::sqrt(16.0f + 4.0f + 1.0f), n2 = std::sqrt(0.81f + 0.25f);
  const DocList& docs = (*out)[0];
  EXPECT_NEAR(ScoreOf(docs, 1), std::sqrt((4.0f / n1) * (0.9f / n2)), 1e-6);
  EXPECT_NEAR(ScoreOf(docs, 2), 2.0f / n1, 1e-6);  // only in the lexical list
  EXPECT_NEAR(ScoreOf(docs, 4), 0.5f / n2, 1e-6);
}

TEST(HybridScoringTest, HarmonicMeanWithWeights) {
  auto out = NormalizeAndCombine(Scoring(Norm::kL2, Comb::kHarmonicMean, {0.3f, 0.7f}), Example());
  ASSERT_TRUE(out.ok());
  const float a = 4.0f / std::sqrt(21.0f), b = 0.9f / std::sqrt(1.06f);
  EXPECT_NEAR(ScoreOf((*out)[0], 1), 1.0f / (0.3f / a + 0.7f / b), 1e-6);
}

TEST(HybridScoringTest, ZScoreUsesTheSampleDeviationAndFloorsNegatives) {
  SubQueryResults r = {{{{1, 3.0f}, {2, 2.0f}, {3, 1.0f}}}};
  auto out = NormalizeAndCombine(Scoring(Norm::kZScore, Comb::kArithmeticMean), r);
  ASSERT_TRUE(out.ok());
  // mean 2, sample sd 1: doc1 → 1, doc2 equals the mean → the max (3), doc3 → -1 → 0.001.
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 1), 1.0f);
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 2), 3.0f);
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 3), 0.001f);
}

TEST(HybridScoringTest, RrfSumsReciprocalRanks) {
  HybridScoring s = Scoring(Norm::kRrf, Comb::kRrf);
  s.rank_constant = 60;
  auto out = NormalizeAndCombine(s, Example());
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 1), 1.0f / 61 + 1.0f / 61);
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 2), 1.0f / 62);
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 4), 1.0f / 62);
  EXPECT_FLOAT_EQ(ScoreOf((*out)[0], 3), 1.0f / 63);
}

TEST(HybridScoringTest, MinMaxLowerBoundModes) {
  HybridScoring s = Scoring(Norm::kMinMax, Comb::kArithmeticMean);
  using Mode = HybridScoring::LowerBound::Mode;
  s.lower_bounds =
      std::vector<HybridScoring::LowerBound>{{Mode::kApply, 2.0f}, {Mode::kClip, 0.6f}};
  SubQueryResults r = Example();
  ASSERT_TRUE(Normalize(s, r).ok());
  // apply, bound 2: (4-2)/(4-2)=1, (2-2)/2=0, 1 < bound → (1-1)/3 = 0 (no floor).
  EXPECT_FLOAT_EQ(r[0][0][0].score, 1.0f);
  EXPECT_FLOAT_EQ(r[0][0][1].score, 0.0f);
  EXPECT_FLOAT_EQ(r[0][0][2].score, 0.0f);
  // clip, bound 0.6: 0.9 → (0.9-0.6)/(0.9-0.6) = 1; 0.5 → (0.5-0.6)/0.3 (not below min 0.5).
  EXPECT_FLOAT_EQ(r[0][1][0].score, 1.0f);
  EXPECT_NEAR(r[0][1][1].score, (0.5f - 0.6f) / (0.9f - 0.6f), 1e-6);
}

TEST(HybridScoringTest, CountMismatchesAreErrors) {
  auto out = NormalizeAndCombine(Scoring(Norm::kMinMax, Comb::kArithmeticMean, {0.2f, 0.3f, 0.5f}),
                                 Example());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().reason(),
            "number of weights [3] must match number of sub-queries [2] in hybrid query");
  HybridScoring s = Scoring(Norm::kMinMax, Comb::kArithmeticMean);
  s.lower_bounds = std::vector<HybridScoring::LowerBound>(3);
  SubQueryResults r = Example();
  EXPECT_FALSE(Normalize(s, r).ok());
}

TEST(HybridScoringTest, EmptyResultsCombineToNothing) {
  SubQueryResults r = {{{}, {}}};
  auto out = NormalizeAndCombine(Scoring(Norm::kMinMax, Comb::kArithmeticMean), r);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE((*out)[0].empty());
}

}  // namespace
}  // namespace sluice::search
