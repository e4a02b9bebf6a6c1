// HybridScoring: how a search pipeline's phase-results processor turns the
// per-sub-query results of a `hybrid` query into one ranked list, exactly as
// the neural-search plugin's NormalizationProcessor / RRFProcessor do.
//
// Input: for every shard (sluice: every index searched), for every sub-query,
// that sub-query's top documents on the shard (score descending, ties by doc).
// Normalize() rewrites the scores in place; normalization statistics (min,
// max, L2 norm, mean, standard deviation) are taken over all shards together
// per sub-query (neural-search normalizes globally, in the coordinator).
// Combine() then merges, per shard, each document's normalized scores into one
// score. A document missing from a sub-query's top list contributes a score of
// 0 for that sub-query: arithmetic_mean counts it (with its weight),
// geometric_mean and harmonic_mean skip it, rrf adds nothing.
//
// Errors (weights vs sub-query count, lower_bounds vs sub-query count) are
// illegal_argument_exception Statuses worded as neural-search's. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

struct HybridScoring {
  enum class Normalization { kMinMax, kL2, kZScore, kRrf };
  enum class Combination { kArithmeticMean, kGeometricMean, kHarmonicMean, kRrf };
  // min_max `lower_bounds` (neural-search 3.0): per sub-query mode and min_score.
  struct LowerBound {
    enum class Mode { kApply, kClip, kIgnore } mode = Mode::kApply;
    float min_score = 0.0f;
  };

  Normalization normalization = Normalization::kMinMax;
  std::optional<std::vector<LowerBound>> lower_bounds;  // min_max only
  int rank_constant = 60;                               // rrf only
  Combination combination = Combination::kArithmeticMean;
  std::vector<float> weights;  // empty: every sub-query weighs 1
  // The processor's type as a pipeline names it ("normalization-processor").
  std::string processor = "normalization-processor";
};

// [shard][sub-query] → that sub-query's top docs, score descending.
using SubQueryResults = std::vector<std::vector<DocList>>;

// Rewrites every score of results with its normalized value.
util::Status Normalize(const HybridScoring& scoring, SubQueryResults& results);
// One document's combined score from its per-sub-query normalized scores
// (0 where the document is not in a sub-query's list).
util::Result<float> Combine(const HybridScoring& scoring, const std::vector<float>& scores);
// Normalize, then per shard the union of the sub-query lists with combined
// scores, score descending (ties: lower doc first).
util::Result<std::vector<DocList>> NormalizeAndCombine(const HybridScoring& scoring,
                                                       SubQueryResults results);

}  // namespace sluice::search
