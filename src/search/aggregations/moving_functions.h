// Internal to search/aggregations: the moving_fn script forms sluice runs.
// OpenSearch runs a Painless script over each window; sluice parses the
// one-liners that call OpenSearch's MovingFunctions helpers
// (`MovingFunctions.unweightedAvg(values)`, `ewma(values, 0.3)`,
// `stdDev(values, MovingFunctions.unweightedAvg(values))`, ...) and refuses
// any other script with a 400.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::search {

class MovingFunction {
 public:
  enum class Fn { kMax, kMin, kSum, kUnweightedAvg, kLinearWeightedAvg, kEwma, kHolt, kStdDev };
  MovingFunction(Fn fn, std::vector<double> args) : fn_(fn), args_(std::move(args)) {}
  // The function over one window (NaN entries are skipped, as MovingFunctions does).
  double Apply(const std::vector<double>& values) const;

 private:
  Fn fn_;
  std::vector<double> args_;
};

util::Result<MovingFunction> ParseMovingFunction(std::string_view script);

}  // namespace sluice::search
