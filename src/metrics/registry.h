// Registry: the process's metrics — counters, gauges and histograms with
// labels — rendered in the Prometheus text exposition format 0.0.4.
//
// A Registry is an ordinary object (cli/ creates one and hands modules a
// pointer; there is no global). Metric families are named once with their
// help text; Get*() returns the series for one set of label values, creating
// it on first use. The returned pointer stays valid for the registry's
// lifetime, so hot paths look a series up once and then only touch atomics.
// Asking for an existing name with another type, or a name or label name that
// is not a valid Prometheus identifier, is a bug: the caller gets a working
// series that is never rendered (so nothing crashes and the output stays valid).
//
// Values computed at scrape time (tasks by state, index sizes) come from
// collectors: callbacks run by Render() that add samples to a Scrape.
//
// Thread-safety: all methods are thread-safe. Counter/Gauge/Histogram updates
// are lock-free; Get*() and Render() take the registry's mutex. Collectors run
// under that mutex and must not call back into the registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace sluice::metrics {

// Label name/value pairs, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets with fixed upper bounds (ascending; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Count of observations <= bounds()[i] (cumulative), i < bounds().size();
  // i == bounds().size() is the total count (+Inf).
  uint64_t cumulative_count(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bucket, not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 1 ms .. 10 s.
std::vector<double> DefaultLatencyBuckets();

// Samples added by a collector at scrape time.
class Scrape {
 public:
  void Counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void Gauge(std::string_view name, std::string_view help, const Labels& labels, double value);

 private:
  friend class Registry;
  struct Sample {
    std::string type, help;
    Labels labels;
    double value;
  };
  std::multimap<std::string, Sample, std::less<>> samples_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter* GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // `bounds` apply to the family: the first call for a name fixes them.
  Histogram* GetHistogram(std::string_view name, std::string_view help,
                          const std::vector<double>& bounds, const Labels& labels = {});

  using Collector = std::function<void(Scrape&)>;
  void AddCollector(Collector collector);

  // Every family, sorted by name, in text format 0.0.4 (Content-Type
  // "text/plain; version=0.0.4; charset=utf-8").
  std::string Render() const;

 private:
  struct Family;
  Family* FamilyFor(std::string_view name, std::string_view help, std::string_view type)
      REQUIRES(mu_);

  mutable util::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_ GUARDED_BY(mu_);
  std::vector<Collector> collectors_ GUARDED_BY(mu_);
};

// Text-format helpers (exposed for tests).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);
// Label value escaping: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

}  // namespace sluice::metrics
