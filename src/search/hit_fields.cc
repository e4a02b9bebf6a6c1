#include "search/hit_fields.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "index/typed_values.h"
#include "json/json_writer.h"
#include "search/search_errors.h"
#include "util/wildcard.h"

namespace sluice::search {
namespace {

using index::FieldType;

struct Value {
  double number;
  const std::string* text;
};

void WriteValue(FieldType type, const Value& v, json::JsonWriter& w) {
  if (index::IsKeywordLike(type) || type == FieldType::kBinary ||
      type == FieldType::kCompletion) {
    w.String(*v.text);
  } else if (type == FieldType::kGeoPoint) {
    // The fields API renders points as GeoJSON.
    auto p = index::ParseGeoPointString(*v.text);
    double lat = p.ok() ? p->lat : 0, lon = p.ok() ? p->lon : 0;
    w.StartObject().Key("coordinates").StartArray().Double(lon).Double(lat).EndArray();
    w.Key("type").String("Point").EndObject();
  } else if (type == FieldType::kDateNanos) {
    int64_t nanos = 0;
    std::from_chars(v.text->data(), v.text->data() + v.text->size(), nanos);
    w.String(index::FormatDateNanos(nanos));
  } else if (type == FieldType::kUnsignedLong) {
    w.Raw(index::IntegralText(v.number, type));
  } else if (index::IsRange(type) && type != FieldType::kIpRange) {
    // {"gte": lo, "lte": hi}, each bound rendered as the range's element type.
    double lo = 0, hi = 0;
    index::ParseRangeText(*v.text, &lo, &hi);
    FieldType element = type == FieldType::kIntegerRange ? FieldType::kInteger
                        : type == FieldType::kLongRange  ? FieldType::kLong
                        : type == FieldType::kDateRange  ? FieldType::kDate
                        : type == FieldType::kFloatRange ? FieldType::kFloat
                                                         : FieldType::kDouble;
    w.StartObject().Key("gte");
    WriteValue(element, {lo, v.text}, w);
    w.Key("lte");
    WriteValue(element, {hi, v.text}, w);
    w.EndObject();
  } else if (type == FieldType::kBoolean) {
    w.Bool(v.number != 0);
  } else if (type == FieldType::kDate) {
    // strict_date_optional_time, UTC.
    int64_t ms = static_cast<int64_t>(v.number);
    int64_t days = ms / 86400000 - (ms % 86400000 < 0);
    int64_t rem = ms - days * 86400000;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400;
    if (m <= 2) ++y;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(rem / 3600000), static_cast<long long>(rem / 60000 % 60),
                  static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
    w.String(buf);
  } else if (index::IsIntegral(type)) {
    w.Int(static_cast<int64_t>(v.number));
  } else if (type == FieldType::kFloat || type == FieldType::kHalfFloat) {
    w.Float(static_cast<float>(v.number));
  } else {
    w.Double(v.number);
  }
}

// The mapped leaf fields a pattern names, in path order.
std::vector<const index::FieldMapping*> Resolve(const index::Index& index,
                                                const std::string& pattern) {
  std::vector<const index::FieldMapping*> out;
  if (pattern.find('*') == std::string::npos) {
    if (const auto* f = index.mapping().Find(pattern)) out.push_back(f);
    return out;
  }
  for (const auto& [path, f] : index.mapping().fields()) {
    if (!index::IsContainer(f.type) && util::WildcardMatch(pattern, path)) out.push_back(&f);
  }
  return out;
}

}  // namespace

util::Result<std::optional<std::string>> HitFieldsJson(const index::Index& index, index::DocNo doc,
                                                       const HitFieldsSpec& spec) {
  std::map<std::string, std::pair<FieldType, std::vector<Value>>> out;
  auto collect = [&](const std::string& pattern, bool doc_values) -> util::Status {
    for (const index::FieldMapping* f : Resolve(index, pattern)) {
      if (index::IsTextual(f->type) || f->type == FieldType::kKnnVector) {
        if (doc_values && pattern.find('*') == std::string::npos) {
          return ShardIllegalArgument(
              index,
              "Text fields are not optimised for operations that require per-document "
              "field data like aggregations and sorting, so these operations are disabled "
              "by default. Please use a keyword field instead. Alternatively, set "
              "fielddata=true on [" +
                  f->path +
                  "] in order to load field data by uninverting the inverted index. Note "
                  "that this can use significant memory.");
        }
        continue;
      }
      auto id = index.FieldId(f->path);
      if (!id || out.count(f->path)) continue;
      std::vector<Value> values;
      for (const auto& v : index.values(doc)) {
        if (v.field == *id) values.push_back({v.number, &v.text});
      }
      if (values.empty()) continue;
      if (doc_values) {
        bool keyword = index::IsKeywordLike(f->type) || f->type == FieldType::kBinary ||
                       f->type == FieldType::kGeoPoint || f->type == FieldType::kCompletion ||
                       index::IsRange(f->type);
        std::sort(values.begin(), values.end(), [&](const Value& a, const Value& b) {
          return keyword ? *a.text < *b.text : a.number < b.number;
        });
        if (keyword) {
          values.erase(
              std::unique(values.begin(), values.end(),
                          [](const Value& a, const Value& b) { return *a.text == *b.text; }),
              values.end());
        }
      }
      out.emplace(f->path, std::make_pair(f->type, std::move(values)));
    }
    return util::Status::Ok();
  };
  for (const auto& p : spec.docvalue_fields) SLUICE_RETURN_IF_ERROR(collect(p, true));
  for (const auto& p : spec.fields) SLUICE_RETURN_IF_ERROR(collect(p, false));
  if (out.empty()) return std::optional<std::string>();
  json::JsonWriter w;
  w.StartObject();
  for (const auto& [path, typed] : out) {
    w.Key(path).StartArray();
    for (const Value& v : typed.second) WriteValue(typed.first, v, w);
    w.EndArray();
  }
  w.EndObject();
  return std::optional<std::string>(w.Take());
}

}  // namespace sluice::search
