#include "search/hybrid_scoring.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <map>

namespace sluice::search {
namespace {

using Norm = HybridScoring::Normalization;
using Comb = HybridScoring::Combination;

// neural-search floors a normalized 0 to this (min_max, z_score), so that a
// document that matched a sub-query keeps a trace of it.
constexpr float kMinScore = 0.001f;

size_t SubQueryCount(const SubQueryResults& results) {
  for (const auto& shard : results) {
    if (!shard.empty()) return shard.size();
  }
  return 0;
}

float MinMaxOne(float score, float min, float max, const HybridScoring::LowerBound* bound) {
  using Mode = HybridScoring::LowerBound::Mode;
  if (max == min && max == score) return 1.0f;
  const Mode mode = bound == nullptr ? Mode::kIgnore : bound->mode;
  const float lb = bound == nullptr ? 0.0f : bound->min_score;
  switch (mode) {
    case Mode::kApply:
      if (max < lb || score < lb) return (score - min) / (max - min);
      return (score - lb) / (max - lb);
    case Mode::kClip:
      if (score < min) return 0.0f;
      if (max < lb) return (score - min) / (max - min);
      return (score - lb) / (max - lb);
    case Mode::kIgnore:
      break;
  }
  float n = (score - min) / (max - min);
  return n == 0.0f ? kMinScore : n;
}

void NormalizeMinMax(const HybridScoring& s, SubQueryResults& results, size_t n) {
  // neural-search starts max at Float.MIN_VALUE (the smallest positive float).
  std::vector<float> min(n, FLT_MAX), max(n, std::numeric_limits<float>::denorm_min());
  for (const auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      for (const auto& d : shard[j]) {
        min[j] = std::min(min[j], d.score);
        max[j] = std::max(max[j], d.score);
      }
    }
  }
  for (auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      const HybridScoring::LowerBound* bound = s.lower_bounds ? &(*s.lower_bounds)[j] : nullptr;
      for (auto& d : shard[j]) d.score = MinMaxOne(d.score, min[j], max[j], bound);
    }
  }
}

void NormalizeL2(SubQueryResults& results, size_t n) {
  std::vector<float> norm(n, 0.0f);
  for (const auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      for (const auto& d : shard[j]) norm[j] += d.score * d.score;
    }
  }
  for (auto& v : norm) v = static_cast<float>(std::sqrt(v));
  for (auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      for (auto& d : shard[j]) d.score = norm[j] == 0 ? 0.0f : d.score / norm[j];
    }
  }
}

void NormalizeZScore(SubQueryResults& results, size_t n) {
  // Commons Math's DescriptiveStatistics: mean in double, sample (n - 1) deviation.
  std::vector<double> sum(n, 0), count(n, 0);
  std::vector<float> min(n, FLT_MAX), max(n, -FLT_MAX);
  for (const auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      for (const auto& d : shard[j]) {
        sum[j] += d.score;
        count[j] += 1;
        min[j] = std::min(min[j], d.score);
        max[j] = std::max(max[j], d.score);
      }
    }
  }
  std::vector<double> mean(n, 0), sq(n, 0);
  for (size_t j = 0; j < n; ++j) mean[j] = count[j] > 0 ? sum[j] / count[j] : 0;
  for (const auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      for (const auto& d : shard[j]) sq[j] += (d.score - mean[j]) * (d.score - mean[j]);
    }
  }
  for (auto& shard : results) {
    for (size_t j = 0; j < shard.size() && j < n; ++j) {
      const float m = static_cast<float>(mean[j]);
      const float sd = count[j] > 1 ? static_cast<float>(std::sqrt(sq[j] / (count[j] - 1))) : 0.0f;
      for (auto& d : shard[j]) {
        if (m == d.score) {
          d.score = max[j];
        } else if (sd == 0.0f) {
          d.score = min[j];
        } else {
          float z = (d.score - m) / sd;
          d.score = z <= 0.0f ? kMinScore : z;
        }
      }
    }
  }
}

void NormalizeRrf(const HybridScoring& s, SubQueryResults& results) {
  for (auto& shard : results) {
    for (auto& list : shard) {
      for (size_t rank = 0; rank < list.size(); ++rank) {
        // neural-search divides in BigDecimal to 10 places, then takes the float.
        double v = 1.0 / static_cast<double>(s.rank_constant + rank + 1);
        list[rank].score = static_cast<float>(std::round(v * 1e10) / 1e10);
      }
    }
  }
}

float WeightOf(const HybridScoring& s, size_t i) {
  return i < s.weights.size() ? s.weights[i] : 1.0f;
}

}  // namespace

util::Status Normalize(const HybridScoring& scoring, SubQueryResults& results) {
  const size_t n = SubQueryCount(results);
  if (n == 0) return util::Status::Ok();
  switch (scoring.normalization) {
    case Norm::kMinMax:
      if (scoring.lower_bounds && scoring.lower_bounds->size() != n) {
        return util::InvalidArgument(
            "expected lower bounds array to contain " + std::to_string(n) +
            " elements matching the number of sub-queries, but found a mismatch");
      }
      NormalizeMinMax(scoring, results, n);
      break;
    case Norm::kL2:
      NormalizeL2(results, n);
      break;
    case Norm::kZScore:
      NormalizeZScore(results, n);
      break;
    case Norm::kRrf:
      NormalizeRrf(scoring, results);
      break;
  }
  return util::Status::Ok();
}

util::Result<float> Combine(const HybridScoring& s, const std::vector<float>& scores) {
  if (!s.weights.empty() && s.combination != Comb::kRrf && s.weights.size() != scores.size()) {
    return util::InvalidArgument("number of weights [" + std::to_string(s.weights.size()) +
                                 "] must match number of sub-queries [" +
                                 std::to_string(scores.size()) + "] in hybrid query");
  }
  float sum_weights = 0;
  switch (s.combination) {
    case Comb::kArithmeticMean: {
      float combined = 0;
      for (size_t i = 0; i < scores.size(); ++i) {
        if (scores[i] < 0) continue;
        float w = WeightOf(s, i);
        combined += scores[i] * w;
        sum_weights += w;
      }
      return sum_weights == 0 ? 0.0f : combined / sum_weights;
    }
    case Comb::kGeometricMean: {
      float ln_sum = 0;
      for (size_t i = 0; i < scores.size(); ++i) {
        if (scores[i] <= 0) continue;  // ln(0) is undefined: the sub-query is skipped
        float w = WeightOf(s, i);
        sum_weights += w;
        // Java's float += double: the sum is taken in double, then rounded.
        ln_sum = static_cast<float>(ln_sum + w * std::log(static_cast<double>(scores[i])));
      }
      return sum_weights == 0
                 ? 0.0f
                 : static_cast<float>(std::exp(static_cast<double>(ln_sum / sum_weights)));
    }
    case Comb::kHarmonicMean: {
      float harmonics = 0;
      for (size_t i = 0; i < scores.size(); ++i) {
        if (scores[i] <= 0) continue;
        float w = WeightOf(s, i);
        sum_weights += w;
        harmonics += w / scores[i];
      }
      return harmonics > 0 ? sum_weights / harmonics : 0.0f;
    }
    case Comb::kRrf: {
      float sum = 0;
      for (float v : scores) sum += v;
      return sum;
    }
  }
  return 0.0f;
}

util::Result<std::vector<DocList>> NormalizeAndCombine(const HybridScoring& scoring,
                                                       SubQueryResults results) {
  SLUICE_RETURN_IF_ERROR(Normalize(scoring, results));
  std::vector<DocList> out;
  for (const auto& shard : results) {
    std::map<index::DocNo, std::vector<float>> per_doc;
    for (size_t j = 0; j < shard.size(); ++j) {
      for (const auto& d : shard[j]) {
        auto [it, inserted] = per_doc.try_emplace(d.doc);
        if (inserted) it->second.assign(shard.size(), 0.0f);
        it->second[j] = d.score;
      }
    }
    DocList combined;
    combined.reserve(per_doc.size());
    for (const auto& [doc, scores] : per_doc) {
      SLUICE_ASSIGN_OR_RETURN(float score, Combine(scoring, scores));
      combined.push_back({doc, score});
    }
    std::stable_sort(combined.begin(), combined.end(),
                     [](const ScoredDoc& a, const ScoredDoc& b) { return a.score > b.score; });
    out.push_back(std::move(combined));
  }
  return out;
}

}  // namespace sluice::search
