#include "search/aggregations/aggregation_set.h"

#include <array>
#include <cstdio>

#include "json/json_writer.h"
#include "search/aggregations/agg_internal.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using util::ParsingError;

constexpr std::array<std::string_view, 18> kPipelineAggs = {"avg_bucket",
                                                            "bucket_script",
                                                            "bucket_selector",
                                                            "bucket_sort",
                                                            "cumulative_sum",
                                                            "derivative",
                                                            "extended_stats_bucket",
                                                            "max_bucket",
                                                            "min_bucket",
                                                            "moving_avg",
                                                            "moving_fn",
                                                            "percentiles_bucket",
                                                            "serial_diff",
                                                            "stats_bucket",
                                                            "sum_bucket",
                                                            "cumulative_cardinality",
                                                            "moving_percentiles",
                                                            "normalize"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

util::Result<double> Aggregation::OrderValue(const DocSet&, std::string_view) const {
  return util::InvalidArgument(
      "Buckets can only be sorted on a sub-aggregator path that is "
      "built out of zero or more single-bucket aggregations within the "
      "path and a final single-bucket or a metrics aggregation at the "
      "path end. [" +
      name + "] is not one of them.");
}

util::Status WriteSubs(const Aggregation& agg, const DocSet& docs, json::JsonWriter& w) {
  for (const auto& sub : agg.subs) {
    w.Key(sub->name);
    SLUICE_RETURN_IF_ERROR(sub->Write(docs, w));
  }
  return util::Status::Ok();
}

util::Result<double> SubOrderValue(const Aggregation& agg, const DocSet& docs,
                                   std::string_view path) {
  std::string_view head = path, rest;
  if (size_t dot = path.find_first_of(".["); dot != path.npos) {
    head = path.substr(0, dot);
    rest = path.substr(dot + 1);
    if (!rest.empty() && rest.back() == ']') rest.remove_suffix(1);
  }
  for (const auto& sub : agg.subs) {
    if (sub->name == head) return sub->OrderValue(docs, rest);
  }
  return util::InvalidArgument("Invalid aggregator order path [" + std::string(path) +
                               "]. Unknown aggregation [" + std::string(head) + "]");
}

util::Result<FieldRef> ResolveField(const index::Index& index, const std::string& field) {
  FieldRef ref;
  const index::FieldMapping* mapping = index.mapping().Find(field);
  if (mapping == nullptr || index::IsContainer(mapping->type)) return ref;
  if (index::IsTextual(mapping->type)) {
    return ShardIllegalArgument(
        index,
        "Text fields are not optimised for operations that require per-document field data like "
        "aggregations and sorting, so these operations are disabled by default. Please use a "
        "keyword field instead. Alternatively, set fielddata=true on [" +
            field +
            "] in order to load field data by uninverting the inverted index. Note that this can "
            "use significant memory.");
  }
  if (mapping->type == index::FieldType::kKnnVector) {
    return ShardIllegalArgument(index, "Field [" + field +
                                           "] of type [knn_vector] is not "
                                           "supported for aggregation");
  }
  ref.mapped = true;
  ref.type = mapping->type;
  ref.id = index.FieldId(field);
  return ref;
}

std::string FormatDate(int64_t millis, int offset_minutes) {
  int64_t local = millis + static_cast<int64_t>(offset_minutes) * 60000;
  int64_t days = FloorDiv(local, 86400000);
  int64_t ms_of_day = local - days * 86400000;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[128];
  std::snprintf(
      buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lld",
      static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
      static_cast<long long>(ms_of_day / 3600000), static_cast<long long>(ms_of_day / 60000 % 60),
      static_cast<long long>(ms_of_day / 1000 % 60), static_cast<long long>(ms_of_day % 1000));
  std::string out = buf;
  if (offset_minutes == 0) return out + "Z";
  int abs = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', abs / 60, abs % 60);
  return out + buf;
}

std::optional<int> ParseTimeZone(std::string_view tz) {
  if (tz == "Z" || tz == "UTC" || tz == "Etc/UTC" || tz == "GMT" || tz == "+00:00") return 0;
  if (tz.size() == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
    auto digit = [&](size_t i) { return tz[i] >= '0' && tz[i] <= '9'; };
    if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return std::nullopt;
    int h = (tz[1] - '0') * 10 + (tz[2] - '0');
    int m = (tz[4] - '0') * 10 + (tz[5] - '0');
    if (h > 18 || m > 59) return std::nullopt;
    int total = h * 60 + m;
    return tz[0] == '-' ? -total : total;
  }
  return std::nullopt;
}

util::Result<std::string> StringParam(const rapidjson::Value& body, const char* key,
                                      const std::string& agg_type) {
  auto it = body.FindMember(key);
  if (it == body.MemberEnd() || !it->value.IsString()) {
    return ParsingError("[" + agg_type + "] requires a string [" + key + "]");
  }
  return std::string(it->value.GetString());
}

util::Result<std::vector<std::unique_ptr<Aggregation>>> ParseAggregationList(
    const rapidjson::Value& aggs) {
  if (!aggs.IsObject()) return ParsingError("Aggregation definition must be an object");
  std::vector<std::unique_ptr<Aggregation>> out;
  for (auto it = aggs.MemberBegin(); it != aggs.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    const rapidjson::Value& def = it->value;
    if (!def.IsObject()) {
      return ParsingError("Expected [START_OBJECT] under [" + name + "], but got a value");
    }
    std::unique_ptr<Aggregation> agg;
    const rapidjson::Value* subs = nullptr;
    for (auto m = def.MemberBegin(); m != def.MemberEnd(); ++m) {
      std::string type = m->name.GetString();
      if (type == "aggs" || type == "aggregations") {
        subs = &m->value;
        continue;
      }
      if (type == "meta") continue;
      if (agg) {
        return ParsingError("Found two aggregation type definitions in [" + name + "]: [" + type +
                            "]");
      }
      for (std::string_view p : kPipelineAggs) {
        if (p == type) {
          return util::InvalidArgument("pipeline aggregation [" + type +
                                       "] is not supported by sluice");
        }
      }
      if (!m->value.IsObject()) {
        return ParsingError("Expected [START_OBJECT] under [" + type + "], but got a value");
      }
      SLUICE_ASSIGN_OR_RETURN(agg, ParseMetricAggregation(type, m->value));
      if (!agg) {
        SLUICE_ASSIGN_OR_RETURN(agg, ParseBucketAggregation(type, m->value));
      }
      if (!agg) return ParsingError("Unknown aggregation type [" + type + "]");
    }
    if (!agg) return ParsingError("Missing definition for aggregation [" + name + "]");
    agg->name = name;
    if (subs != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(agg->subs, ParseAggregationList(*subs));
    }
    out.push_back(std::move(agg));
  }
  return out;
}

AggregationSet::AggregationSet(std::vector<std::unique_ptr<Aggregation>> aggs)
    : aggs_(std::move(aggs)) {}
AggregationSet::~AggregationSet() = default;

util::Result<std::string> AggregationSet::Run(std::vector<AggregationInput> inputs) const {
  DocSet docs;
  for (auto& in : inputs) docs.push_back({in.index, std::move(in.docs)});
  json::JsonWriter w;
  w.StartObject();
  for (const auto& agg : aggs_) {
    w.Key(agg->name);
    SLUICE_RETURN_IF_ERROR(agg->Write(docs, w));
  }
  w.EndObject();
  return w.Take();
}

util::Result<std::shared_ptr<const AggregationSet>> ParseAggregations(const rapidjson::Value& v) {
  SLUICE_ASSIGN_OR_RETURN(auto list, ParseAggregationList(v));
  return std::shared_ptr<const AggregationSet>(std::make_shared<AggregationSet>(std::move(list)));
}

}  // namespace sluice::search
