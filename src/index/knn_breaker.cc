#include "index/knn_breaker.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace sluice::index {

namespace {
constexpr double kUnsetRatio = 0.75;  // knn.circuit_breaker.unset.percentage: 75
}

KnnMemoryBreaker::KnnMemoryBreaker(uint64_t base_bytes) : base_bytes_(base_bytes) {
  limit_ = *ParseMemorySize("knn.memory.circuit_breaker.limit", kDefaultLimit, base_bytes);
}

util::Status KnnMemoryBreaker::SetLimit(std::string_view value) {
  auto bytes = ParseMemorySize("knn.memory.circuit_breaker.limit", value, base_bytes_);
  if (!bytes.ok()) return bytes.status();
  limit_.store(*bytes, std::memory_order_relaxed);
  return util::Status::Ok();
}

void KnnMemoryBreaker::Add(int64_t delta_bytes) {
  used_.fetch_add(delta_bytes, std::memory_order_relaxed);
}

uint64_t KnnMemoryBreaker::used() const {
  int64_t u = used_.load(std::memory_order_relaxed);
  return u < 0 ? 0 : static_cast<uint64_t>(u);
}

bool KnnMemoryBreaker::Admit(uint64_t bytes) {
  const uint64_t lim = limit();
  if (lim == 0) return true;
  if (triggered()) return false;
  if (used() + bytes > lim) {
    tripped_.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;
}

bool KnnMemoryBreaker::triggered() {
  if (!tripped_.load(std::memory_order_relaxed)) return false;
  const uint64_t lim = limit();
  if (lim == 0 || static_cast<double>(used()) <= kUnsetRatio * static_cast<double>(lim)) {
    tripped_.store(false, std::memory_order_relaxed);
    return false;
  }
  return true;
}

util::Result<uint64_t> ParseMemorySize(std::string_view setting, std::string_view value,
                                       uint64_t base) {
  const std::string name(setting), text(value);
  if (!value.empty() && value.back() == '%') {
    double pct = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size() - 1, pct);
    if (ec != std::errc() || end != value.data() + value.size() - 1 || !std::isfinite(pct)) {
      return util::InvalidArgument("failed to parse [" + text + "] as a double");
    }
    if (pct < 0 || pct > 100) {
      return util::InvalidArgument("percentage should be in [0-100], got [" + text + "]");
    }
    return static_cast<uint64_t>(pct / 100.0 * static_cast<double>(base));
  }
  size_t digits = 0;
  while (digits < value.size() &&
         (std::isdigit(static_cast<unsigned char>(value[digits])) || value[digits] == '.')) {
    ++digits;
  }
  double number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + digits, number);
  std::string unit;
  for (char c : value.substr(digits)) unit += static_cast<char>(std::tolower(c));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb")
    scale = 1024.0;
  else if (unit == "m" || unit == "mb")
    scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb")
    scale = 1024.0 * 1024 * 1024 * 1024;
  if (digits == 0 || ec != std::errc() || end != value.data() + digits || scale == 0 ||
      (unit.empty() && value.find('.') != std::string_view::npos)) {
    return util::InvalidArgument("failed to parse setting [" + name + "] with value [" + text +
                                 "] as a size in bytes: unit is missing or unrecognized");
  }
  return static_cast<uint64_t>(number * scale);
}

util::Status KnnBreakerTripped() {
  return util::Status(util::Code::kInternal, "knn_circuit_breaker_exception",
                      "Parsing the created knn vector fields prior to indexing has failed as the "
                      "circuit breaker triggered.  This indicates that the cluster is low on "
                      "memory resources and cannot index more documents at the moment. Check "
                      "_plugins/_knn/stats for the circuit breaker status.");
}

}  // namespace sluice::index
