#include "search/aggregations/moving_functions.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace sluice::search {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool Consume(std::string_view& s, std::string_view prefix) {
  s = Trim(s);
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

double Avg(const std::vector<double>& values) {
  double sum = 0;
  int64_t n = 0;
  for (double v : values) {
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

}  // namespace

double MovingFunction::Apply(const std::vector<double>& values) const {
  switch (fn_) {
    case Fn::kMax:
    case Fn::kMin: {
      if (values.empty()) return kNaN;
      double r = values[0];
      for (double v : values) r = fn_ == Fn::kMax ? std::max(r, v) : std::min(r, v);
      return r;
    }
    case Fn::kSum: {
      double s = 0;
      for (double v : values) s += std::isnan(v) ? 0 : v;
      return s;
    }
    case Fn::kUnweightedAvg:
      return Avg(values);
    case Fn::kLinearWeightedAvg: {
      double sum = 0;
      int64_t total = 1, current = 1;
      for (double v : values) {
        if (std::isnan(v)) continue;
        sum += v * static_cast<double>(current);
        total += current;
        ++current;
      }
      return total == 1 ? kNaN : sum / static_cast<double>(total);
    }
    case Fn::kEwma: {
      double alpha = args_[0], avg = kNaN;
      bool first = true;
      for (double v : values) {
        if (std::isnan(v)) continue;
        avg = first ? v : v * alpha + avg * (1 - alpha);
        first = false;
      }
      return avg;
    }
    case Fn::kHolt: {
      double alpha = args_[0], beta = args_[1];
      double s = 0, last_s = 0, b = 0, last_b = 0;
      int64_t counter = 0;
      for (double v : values) {
        if (std::isnan(v)) continue;
        if (counter == 0) {
          s = v;
          b = 0;
        } else {
          s = alpha * v + (1.0 - alpha) * (last_s + last_b);
          b = beta * (s - last_s) + (1 - beta) * last_b;
        }
        ++counter;
        last_s = s;
        last_b = b;
      }
      return counter == 0 ? kNaN : s;
    }
    case Fn::kStdDev: {
      double avg = Avg(values);
      if (std::isnan(avg)) return kNaN;
      double sq = 0;
      int64_t n = 0;
      for (double v : values) {
        if (std::isnan(v)) continue;
        sq += (v - avg) * (v - avg);
        ++n;
      }
      return std::sqrt(sq / static_cast<double>(n));
    }
  }
  return kNaN;
}

util::Result<MovingFunction> ParseMovingFunction(std::string_view script) {
  auto refuse = [&]() {
    return util::InvalidArgument(
        "moving_fn script [" + std::string(script) +
        "] is not supported by sluice: only a call of MovingFunctions.max, min, sum, "
        "unweightedAvg, linearWeightedAvg, ewma, holt or stdDev on [values] is");
  };
  std::string_view s = Trim(script);
  Consume(s, "return ");
  s = Trim(s);
  if (!s.empty() && s.back() == ';') s.remove_suffix(1);
  if (!Consume(s, "MovingFunctions.")) return refuse();
  size_t paren = s.find('(');
  if (paren == std::string_view::npos || Trim(s).back() != ')') return refuse();
  std::string_view fn_name = Trim(s.substr(0, paren));
  std::string_view args = Trim(s).substr(paren + 1);
  args.remove_suffix(1);
  if (!Consume(args, "values")) return refuse();
  struct Entry {
    std::string_view name;
    MovingFunction::Fn fn;
    size_t arity;
  };
  using Fn = MovingFunction::Fn;
  static constexpr Entry kFns[] = {{"max", Fn::kMax, 0},
                                   {"min", Fn::kMin, 0},
                                   {"sum", Fn::kSum, 0},
                                   {"unweightedAvg", Fn::kUnweightedAvg, 0},
                                   {"linearWeightedAvg", Fn::kLinearWeightedAvg, 0},
                                   {"ewma", Fn::kEwma, 1},
                                   {"holt", Fn::kHolt, 2},
                                   {"stdDev", Fn::kStdDev, 0}};
  for (const Entry& e : kFns) {
    if (e.name != fn_name) continue;
    std::vector<double> numbers;
    if (e.fn == Fn::kStdDev) {
      if (!Consume(args, ",") || !Consume(args, "MovingFunctions.unweightedAvg(") ||
          !Consume(args, "values") || !Consume(args, ")") || !Trim(args).empty()) {
        return refuse();
      }
      return MovingFunction(e.fn, {});
    }
    for (size_t i = 0; i < e.arity; ++i) {
      if (!Consume(args, ",")) return refuse();
      args = Trim(args);
      std::string text(args);
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (end == text.c_str()) return refuse();
      numbers.push_back(v);
      args.remove_prefix(static_cast<size_t>(end - text.c_str()));
    }
    if (!Trim(args).empty()) return refuse();
    return MovingFunction(e.fn, std::move(numbers));
  }
  return refuse();
}

}  // namespace sluice::search
