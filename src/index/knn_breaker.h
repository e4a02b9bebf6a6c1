// KnnMemoryBreaker: the k-NN plugin's memory circuit breaker
// (`knn.memory.circuit_breaker.limit`) over the vector graphs of every index
// of one catalog.
//
// Indexes report their graphs' memory (Add, with the change in bytes after
// each graph update and a negative change when an index goes away). A write
// that would add vectors asks Admit(bytes) first: when the graphs' memory plus
// the bytes asked for would exceed the limit, the breaker trips and the vector
// is refused (KnnBreakerTripped(), the plugin's knn_circuit_breaker_exception, 500); it
// stays tripped — every new vector refused — until the graphs' memory falls
// to `knn.circuit_breaker.unset.percentage` (75 %) of the limit, as in the
// plugin. A limit of 0 means none.
//
// Thread-safety: all methods are thread-safe (atomics; no lock).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/status.h"

namespace sluice::index {

class KnnMemoryBreaker {
 public:
  // `base_bytes`: what a percentage limit is a share of (the memory budget).
  explicit KnnMemoryBreaker(uint64_t base_bytes);

  uint64_t base_bytes() const { return base_bytes_; }
  // Sets the limit from a setting value ("60%", "512mb", "1073741824"); the
  // error is the one OpenSearch gives for such a setting.
  util::Status SetLimit(std::string_view value);
  uint64_t limit() const { return limit_.load(std::memory_order_relaxed); }
  // The limit as the setting shows it by default ("50%").
  static constexpr std::string_view kDefaultLimit = "50%";

  void Add(int64_t delta_bytes);
  uint64_t used() const;
  // False (and tripped from then on) when `bytes` more would exceed the limit.
  bool Admit(uint64_t bytes);
  // Tripped and not yet back under the unset percentage.
  bool triggered();

 private:
  const uint64_t base_bytes_;
  std::atomic<uint64_t> limit_{0};
  std::atomic<int64_t> used_{0};
  std::atomic<bool> tripped_{false};
};

// Parses a byte size or a percentage of `base` as OpenSearch's
// MemorySizeValue does for `setting` (illegal_argument_exception otherwise).
util::Result<uint64_t> ParseMemorySize(std::string_view setting, std::string_view value,
                                       uint64_t base);

// The error a refused vector gets (the k-NN plugin's message and type).
util::Status KnnBreakerTripped();

}  // namespace sluice::index
