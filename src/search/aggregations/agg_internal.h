// Internal to search/aggregations: the Aggregation node type, the document
// sets they run on, doc-value access and the parsers of each family.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/field_type.h"
#include "index/index.h"
#include "search/query.h"
#include "util/result.h"

namespace sluice::json {
class JsonWriter;
}

namespace sluice::search {

// The documents an aggregation sees in one index, by doc.
struct Segment {
  const index::Index* index;
  DocList docs;
};
using DocSet = std::vector<Segment>;

class PipelineAggregation;  // search/aggregations/pipeline_aggs.h

class Aggregation {
 public:
  // Out of line: the pipelines' type is complete only in aggregation_set.cc.
  Aggregation();
  virtual ~Aggregation();
  // Writes the aggregation's object (the value under its name).
  virtual util::Status Write(const DocSet& docs, json::JsonWriter& w) const = 0;
  // The number a parent's bucket `order` sorts by ("" or a stat name like "avg").
  virtual util::Result<double> OrderValue(const DocSet& docs, std::string_view key) const;
  // The prefix ?typed_keys gives its name ("sterms#name"): OpenSearch's
  // InternalAggregation type, which for some depends on the field's type.
  virtual std::string TypedName(const DocSet&) const { return type_name; }

  std::string name;
  std::string type_name;  // set by the parser when the aggregation leaves it empty
  std::string meta;       // raw JSON of "meta", empty when absent
  std::vector<std::unique_ptr<Aggregation>> subs;
  std::vector<std::unique_ptr<PipelineAggregation>> pipelines;  // declared among subs
};

// Writes `"sub": {...}` for each sub-aggregation of agg.
util::Status WriteSubs(const Aggregation& agg, const DocSet& docs, json::JsonWriter& w);
// The order value of a path "sub" or "sub.stat" below agg.
util::Result<double> SubOrderValue(const Aggregation& agg, const DocSet& docs,
                                   std::string_view path);

// A field resolved in one index. id is nullopt when the field is unmapped or
// has no values yet. Text fields are refused (no fielddata), as OpenSearch.
struct FieldRef {
  std::optional<uint32_t> id;
  index::FieldType type = index::FieldType::kKeyword;
  bool mapped = false;
  bool is_string() const { return index::IsKeywordLike(type); }
};
util::Result<FieldRef> ResolveField(const index::Index& index, const std::string& field);

template <typename F>
void ForEachValue(const index::Index& index, index::DocNo doc, const FieldRef& ref, F&& f) {
  if (!ref.id) return;
  for (const auto& v : index.values(doc)) {
    if (v.field == *ref.id) f(v);
  }
}

// Epoch millis as strict_date_optional_time in UTC plus offset_minutes
// ("2020-01-01T00:00:00.000Z", or "...+01:00").
std::string FormatDate(int64_t millis, int offset_minutes = 0);
// "+01:00", "-05:30", "Z", "UTC" → minutes; nullopt otherwise.
std::optional<int> ParseTimeZone(std::string_view tz);

util::Result<std::string> StringParam(const rapidjson::Value& body, const char* key,
                                      const std::string& agg_type);

// Family parsers; nullptr result (with ok status) means "not this family".
util::Result<std::unique_ptr<Aggregation>> ParseMetricAggregation(const std::string& type,
                                                                  const std::string& name,
                                                                  const rapidjson::Value& body);
util::Result<std::unique_ptr<Aggregation>> ParseBucketAggregation(const std::string& type,
                                                                  const rapidjson::Value& body);
// An "aggs" object, parsed: the aggregations and the pipelines among them.
struct AggregationList {
  std::vector<std::unique_ptr<Aggregation>> aggs;
  std::vector<std::unique_ptr<PipelineAggregation>> pipelines;
  AggregationList();
  AggregationList(AggregationList&&) noexcept;
  AggregationList& operator=(AggregationList&&) noexcept;
  ~AggregationList();
};
// Parses an "aggs" object into nodes; parent_type is the type of the
// aggregation it belongs to ("" at the top level).
util::Result<AggregationList> ParseAggregationList(const rapidjson::Value& aggs,
                                                   const std::string& parent_type);

}  // namespace sluice::search
