// buckets_path resolution over the aggregation output DOM, as OpenSearch's
// AggregationPath, InternalAggregation.getProperty and
// BucketHelpers.resolveBucketValue do it over InternalAggregations.
#include "search/aggregations/buckets_path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sluice::search {
namespace {

// One element of an AggregationPath: a name and an optional key
// ("stats.avg", "pct[99.0]").
struct PathElement {
  std::string name;
  std::optional<std::string> key;
};

util::Result<std::vector<PathElement>> ParsePath(const std::string& path) {
  std::vector<PathElement> out;
  size_t start = 0;
  while (true) {
    size_t gt = path.find('>', start);
    std::string part = path.substr(start, gt == std::string::npos ? std::string::npos : gt - start);
    const bool last = gt == std::string::npos;
    if (part.empty()) return util::InvalidArgument("Invalid path [" + path + "]");
    PathElement e;
    if (size_t b = part.find('['); b != std::string::npos) {
      if (part.back() != ']') return util::InvalidArgument("Invalid path [" + path + "]");
      e.name = part.substr(0, b);
      e.key = part.substr(b + 1, part.size() - b - 2);
    } else if (size_t dot = part.find('.'); last && dot != std::string::npos) {
      e.name = part.substr(0, dot);
      e.key = part.substr(dot + 1);
    } else {
      e.name = part;
    }
    out.push_back(std::move(e));
    if (last) break;
    start = gt + 1;
  }
  return out;
}

// Flattens a path into OpenSearch's property list: name, key, name, ...
std::vector<std::string> PathStrings(const std::vector<PathElement>& path) {
  std::vector<std::string> out;
  for (const auto& e : path) {
    out.push_back(e.name);
    if (e.key) out.push_back(*e.key);
  }
  return out;
}

// The Java class OpenSearch names in its buckets_path errors, for the
// aggregation agg whose output is out (terms classes follow the key type).
std::string ClassName(const Aggregation* agg, const rapidjson::Value& out) {
  if (agg == nullptr) return "null";
  if (agg->type_name == "terms") {
    auto b = out.FindMember("buckets");
    if (b == out.MemberEnd() || !b->value.IsArray() || b->value.Empty()) return "UnmappedTerms";
    const rapidjson::Value& key = b->value[0]["key"];
    if (key.IsString()) return "StringTerms";
    return key.IsInt64() || key.IsUint64() ? "LongTerms" : "DoubleTerms";
  }
  static const std::vector<std::pair<std::string_view, std::string_view>> kNames = {
      {"histogram", "InternalHistogram"}, {"date_histogram", "InternalDateHistogram"},
      {"range", "InternalRange"},         {"date_range", "InternalDateRange"},
      {"filters", "InternalFilters"},     {"filter", "InternalFilter"},
      {"top_hits", "InternalTopHits"}};
  for (auto [k, v] : kNames) {
    if (agg->type_name == k) return std::string(v);
  }
  return agg->type_name;
}

// What a property lookup found: a number, or a non-numeric thing.
struct Property {
  enum class Kind { kNumber, kMultiValue, kOther, kArray, kMissing } kind = Kind::kMissing;
  double number = NAN;
  std::string class_name;  // for the error text
};

double NumberOf(const rapidjson::Value& v) { return v.IsNumber() ? v.GetDouble() : NAN; }

// A metric's named value: stats' "avg", percentiles' "99.0".
std::optional<double> MetricValue(const rapidjson::Value& out, const std::string& key) {
  if (auto it = out.FindMember(key.c_str()); it != out.MemberEnd() && !it->value.IsObject()) {
    return NumberOf(it->value);
  }
  auto values = out.FindMember("values");
  if (values == out.MemberEnd()) return std::nullopt;
  char* end = nullptr;
  double want = std::strtod(key.c_str(), &end);
  if (end == key.c_str() || *end != '\0') return std::nullopt;
  if (values->value.IsObject()) {
    for (auto it = values->value.MemberBegin(); it != values->value.MemberEnd(); ++it) {
      double k = std::strtod(it->name.GetString(), &end);
      if (*end == '\0' && k == want) return NumberOf(it->value);
    }
  } else if (values->value.IsArray()) {
    for (const auto& e : values->value.GetArray()) {
      if (e.IsObject() && e.HasMember("key") && NumberOf(e["key"]) == want && e.HasMember("value")) {
        return NumberOf(e["value"]);
      }
    }
  }
  return std::nullopt;
}

// An aggregation output's property at path (InternalAggregation.getProperty).
util::Result<Property> AggProperty(const Aggregation* agg, const rapidjson::Value& out,
                                   const std::vector<std::string>& path, size_t at);

// A bucket's property (InternalBucket.getProperty): _count, _key or a sub.
util::Result<Property> BucketProperty(const std::vector<std::unique_ptr<Aggregation>>& subs,
                                      const rapidjson::Value& bucket,
                                      const std::vector<std::string>& path, size_t at,
                                      const std::string& container) {
  Property p;
  if (at == path.size()) return p;
  const std::string& first = path[at];
  if (first == "_count" || first == "_key") {
    auto it = bucket.FindMember(first == "_count" ? "doc_count" : "key");
    if (it != bucket.MemberEnd() && it->value.IsNumber()) {
      p.kind = Property::Kind::kNumber;
      p.number = it->value.GetDouble();
    } else {
      p.kind = Property::Kind::kOther;
    }
    return p;
  }
  auto it = bucket.FindMember(first.c_str());
  if (it == bucket.MemberEnd() || !it->value.IsObject()) {
    return util::InvalidArgument("Cannot find an aggregation named [" + first + "] in [" +
                                 container + "]");
  }
  return AggProperty(FindSub(subs, first), it->value, path, at + 1);
}

util::Result<Property> AggProperty(const Aggregation* agg, const rapidjson::Value& out,
                                   const std::vector<std::string>& path, size_t at) {
  Property p;
  p.class_name = ClassName(agg, out);
  const bool rest = at < path.size();
  if (IsBucketsAgg(out)) {
    p.kind = rest ? Property::Kind::kArray : Property::Kind::kOther;
    if (rest && path[at] == "_bucket_count") {
      p.kind = Property::Kind::kNumber;
      p.number = static_cast<double>(BucketsOf(out).size());
    }
    return p;
  }
  if (out.HasMember("doc_count")) {  // single-bucket aggregation
    if (!rest) {
      p.kind = Property::Kind::kOther;
      return p;
    }
    static const std::vector<std::unique_ptr<Aggregation>> kNone;
    return BucketProperty(agg ? agg->subs : kNone, out, path, at, agg ? agg->name : "");
  }
  if (out.HasMember("hits")) {
    p.kind = Property::Kind::kOther;
    return p;
  }
  const bool single = out.HasMember("value");
  if (!rest) {
    p.kind = single ? Property::Kind::kNumber : Property::Kind::kMultiValue;
    if (single) p.number = NumberOf(out["value"]);
    return p;
  }
  if (at + 1 != path.size()) {
    return util::InvalidArgument("path not supported for [" + (agg ? agg->name : "") + "]");
  }
  std::optional<double> v = MetricValue(out, path[at]);
  if (!v) {
    return util::InvalidArgument("path not supported for [" + (agg ? agg->name : "") + "]: [" +
                                 path[at] + "]");
  }
  p.kind = Property::Kind::kNumber;
  p.number = *v;
  return p;
}

}  // namespace

util::Result<std::vector<std::string>> ParseBucketsPath(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto elements, ParsePath(path));
  return PathStrings(elements);
}

util::Result<GapPolicy> ParseGapPolicy(const rapidjson::Value& v) {
  std::string s = v.IsString() ? v.GetString() : "";
  if (s == "skip") return GapPolicy::kSkip;
  if (s == "insert_zeros") return GapPolicy::kInsertZeros;
  if (s == "keep_values") return GapPolicy::kKeepValues;
  return util::InvalidArgument("Unknown gap policy [" + s + "]");
}

const Aggregation* FindSub(const std::vector<std::unique_ptr<Aggregation>>& subs,
                           const std::string& name) {
  for (const auto& s : subs) {
    if (s->name == name) return s.get();
  }
  return nullptr;
}

bool IsBucketsAgg(const rapidjson::Value& out) { return out.IsObject() && out.HasMember("buckets"); }

std::vector<const rapidjson::Value*> BucketsOf(const rapidjson::Value& out) {
  std::vector<const rapidjson::Value*> b;
  const rapidjson::Value& v = out["buckets"];
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) b.push_back(&e);
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) b.push_back(&it->value);
  }
  return b;
}

// BucketHelpers.resolveBucketValue: the bucket's value at path, NaN for a gap
// that the policy skips; nullopt when the path names nothing in this bucket.
util::Result<std::optional<double>> ResolveBucketValue(
    const std::vector<std::unique_ptr<Aggregation>>& subs, const rapidjson::Value& bucket,
    const std::vector<std::string>& path, GapPolicy gap, const std::string& container) {
  util::Result<Property> found = BucketProperty(subs, bucket, path, 0, container);
  if (!found.ok()) return std::optional<double>();
  const Property& p = *found;
  if (p.kind == Property::Kind::kMultiValue) {
    return util::InvalidArgument(
        "buckets_path must reference either a number value or a single value numeric metric "
        "aggregation, but [" +
        path.front() + "] contains multiple values. Please specify which to use.");
  }
  if (p.kind != Property::Kind::kNumber) {
    std::string cls = p.kind == Property::Kind::kArray ? "Object[]" : p.class_name;
    return util::InvalidArgument(
        "buckets_path must reference either a number value or a single value numeric metric "
        "aggregation, got: [" +
        cls + "] at aggregation [" + (path.empty() ? container : path.front()) + "]");
  }
  const bool doc_count = path.size() == 1 && path[0] == "_count";
  double count = bucket.HasMember("doc_count") ? NumberOf(bucket["doc_count"]) : 1;
  if (!std::isfinite(p.number) || (count == 0 && !doc_count)) {
    if (gap == GapPolicy::kInsertZeros) return std::optional<double>(0.0);
    if (gap == GapPolicy::kKeepValues && std::isfinite(p.number)) {
      return std::optional<double>(p.number);
    }
    return std::optional<double>(NAN);
  }
  return std::optional<double>(p.number);
}

// Java's Double.toString for a bucket key rendered as a string.
std::string KeyAsString(const rapidjson::Value& bucket) {
  if (auto it = bucket.FindMember("key_as_string");
      it != bucket.MemberEnd() && it->value.IsString()) {
    return it->value.GetString();
  }
  auto it = bucket.FindMember("key");
  if (it == bucket.MemberEnd()) return "";
  const rapidjson::Value& k = it->value;
  if (k.IsString()) return k.GetString();
  if (k.IsInt64()) return std::to_string(k.GetInt64());
  if (k.IsUint64()) return std::to_string(k.GetUint64());
  double d = NumberOf(k);
  char buf[64];
  if (std::abs(d) >= 1e-3 && std::abs(d) < 1e7 && d == std::floor(d)) {
    std::snprintf(buf, sizeof buf, "%.1f", d);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", d);
    for (int prec = 1; prec <= 17; ++prec) {
      std::snprintf(buf, sizeof buf, "%.*g", prec, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
  }
  return buf;
}

rapidjson::Value NumberValue(double v) {
  rapidjson::Value out;
  if (std::isfinite(v)) out.SetDouble(v);
  return out;
}

rapidjson::Value SimpleValue(double v, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("value", NumberValue(v), alloc);
  return out;
}


}  // namespace sluice::search
