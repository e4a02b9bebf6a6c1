// Internal to search/aggregations: what the metric aggregations share — the
// field/missing source, collecting a field's numbers, basic stats.
#pragma once

#include <rapidjson/document.h>

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "json/json_writer.h"
#include "search/aggregations/agg_internal.h"

namespace sluice::search {

// Field, and "missing" (a value used for documents without one).
struct ValuesSource {
  std::string field;
  std::optional<double> missing;            // a numeric "missing"
  std::optional<std::string> missing_text;  // "missing" as given, for counting aggregations
};

// "field", "missing", "format" and the type's own keys in `extra`; a script
// or another key is refused.
util::Result<ValuesSource> ParseValuesSource(const rapidjson::Value& body, const std::string& type,
                                             std::initializer_list<const char*> extra);

struct Numbers {
  std::vector<double> values;
  bool is_date = false;
};

// The numeric values of the field over docs; keyword fields are refused.
util::Result<Numbers> CollectNumbers(const DocSet& docs, const ValuesSource& vs,
                                     const std::string& type);

struct Stats {
  uint64_t count = 0;
  double min = INFINITY, max = -INFINITY, sum = 0, sum_sq = 0;
};
Stats ComputeStats(const std::vector<double>& values);

// v when present, else null.
void NumberOrNull(json::JsonWriter& w, bool present, double v);

// percentiles (t-digest and HDR), percentile_ranks, median_absolute_deviation
// (distribution_aggs.cc); nullptr when type is none of them.
util::Result<std::unique_ptr<Aggregation>> ParseDistributionAggregation(
    const std::string& type, const std::string& name, const rapidjson::Value& body);

}  // namespace sluice::search
