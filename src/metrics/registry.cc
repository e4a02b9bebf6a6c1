#include "metrics/registry.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace sluice::metrics {

struct Registry::Family {
  std::string name, help, type;
  std::vector<double> bounds;  // histograms
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

namespace {

bool IsNameChar(char c, bool first, bool colon_ok) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon_ok && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool ValidLabels(const Labels& labels) {
  return std::all_of(labels.begin(), labels.end(),
                     [](const auto& l) { return IsValidLabelName(l.first) && l.first != "le"; });
}

// HELP text escaping: backslash and newline only.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendSample(std::string& out, std::string_view name, const Labels& labels,
                  const std::pair<std::string, std::string>* extra, double value) {
  out.append(name);
  if (!labels.empty() || extra != nullptr) {
    out += '{';
    bool first = true;
    auto add = [&](const std::pair<std::string, std::string>& l) {
      if (!first) out += ',';
      first = false;
      out += l.first;
      out += "=\"";
      out += EscapeLabelValue(l.second);
      out += '"';
    };
    for (const auto& l : labels) add(l);
    if (extra != nullptr) add(*extra);
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out += "# HELP ";
  out.append(name);
  out += ' ';
  out += EscapeHelp(help);
  out += "\n# TYPE ";
  out.append(name);
  out += ' ';
  out.append(type);
  out += '\n';
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon_ok=*/true)) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*colon_ok=*/false)) return false;
  }
  return true;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::cumulative_count(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Scrape::Counter(std::string_view name, std::string_view help, const Labels& labels,
                     double value) {
  samples_.emplace(std::string(name), Sample{"counter", std::string(help), labels, value});
}

void Scrape::Gauge(std::string_view name, std::string_view help, const Labels& labels,
                   double value) {
  samples_.emplace(std::string(name), Sample{"gauge", std::string(help), labels, value});
}

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family* Registry::FamilyFor(std::string_view name, std::string_view help,
                                      std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->name = std::string(name);
    family->help = std::string(help);
    family->type = std::string(type);
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  return it->second.get();
}

// A misuse (bad name, type clash) is a bug; the caller still gets a series
// that works but is never rendered, kept under a name no valid metric can have.
Counter* Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  util::MutexLock lock(&mu_);
  bool valid = IsValidMetricName(name) && ValidLabels(labels);
  Family* f = FamilyFor(valid ? name : " invalid counter", help, "counter");
  if (f->type != "counter") {
    f = FamilyFor(" invalid counter", help, "counter");
  }
  auto& slot = f->counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  util::MutexLock lock(&mu_);
  bool valid = IsValidMetricName(name) && ValidLabels(labels);
  Family* f = FamilyFor(valid ? name : " invalid gauge", help, "gauge");
  if (f->type != "gauge") {
    f = FamilyFor(" invalid gauge", help, "gauge");
  }
  auto& slot = f->gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* Registry::GetHistogram(std::string_view name, std::string_view help,
                                  const std::vector<double>& bounds, const Labels& labels) {
  util::MutexLock lock(&mu_);
  bool valid = IsValidMetricName(name) && ValidLabels(labels);
  Family* f = FamilyFor(valid ? name : " invalid histogram", help, "histogram");
  if (f->type != "histogram") {
    f = FamilyFor(" invalid histogram", help, "histogram");
  }
  if (f->histograms.empty() && f->bounds.empty()) f->bounds = bounds;
  auto& slot = f->histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(f->bounds);
  return slot.get();
}

void Registry::AddCollector(Collector collector) {
  util::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Render() const {
  util::MutexLock lock(&mu_);
  Scrape scrape;
  for (const auto& collect : collectors_) collect(scrape);

  // Registered families and collected samples, merged and sorted by name.
  std::map<std::string_view, int> names;
  for (const auto& [name, family] : families_) {
    if (IsValidMetricName(name)) names.emplace(name, 0);
  }
  for (const auto& [name, sample] : scrape.samples_) {
    if (IsValidMetricName(name) && ValidLabels(sample.labels)) names.emplace(name, 0);
  }

  std::string out;
  for (const auto& [name, unused] : names) {
    auto fit = families_.find(name);
    const Family* f = fit == families_.end() ? nullptr : fit->second.get();
    auto [first, last] = scrape.samples_.equal_range(name);
    if (f != nullptr) {
      AppendHeader(out, name, f->help, f->type);
    } else {
      AppendHeader(out, name, first->second.help, first->second.type);
    }
    if (f != nullptr) {
      for (const auto& [labels, c] : f->counters) {
        AppendSample(out, name, labels, nullptr, static_cast<double>(c->value()));
      }
      for (const auto& [labels, g] : f->gauges)
        AppendSample(out, name, labels, nullptr, g->value());
      for (const auto& [labels, h] : f->histograms) {
        std::string bucket = std::string(name) + "_bucket";
        for (size_t i = 0; i <= h->bounds().size(); ++i) {
          std::pair<std::string, std::string> le{
              "le", i < h->bounds().size() ? FormatValue(h->bounds()[i]) : "+Inf"};
          AppendSample(out, bucket, labels, &le, static_cast<double>(h->cumulative_count(i)));
        }
        AppendSample(out, std::string(name) + "_sum", labels, nullptr, h->sum());
        AppendSample(out, std::string(name) + "_count", labels, nullptr,
                     static_cast<double>(h->cumulative_count(h->bounds().size())));
      }
    }
    // A collected sample under a registered name of another type is dropped:
    // one family has one type.
    for (auto it = first; it != last; ++it) {
      if (!ValidLabels(it->second.labels)) continue;
      if (f != nullptr && f->type != it->second.type) continue;
      AppendSample(out, name, it->second.labels, nullptr, it->second.value);
    }
  }
  return out;
}

}  // namespace sluice::metrics
