// Metric aggregations: min, max, sum, avg, value_count, stats,
// extended_stats, cardinality, top_hits, weighted_avg (percentiles and their kin are in
// distribution_aggs.cc).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "json/json_writer.h"
#include "search/aggregations/metric_support.h"
#include "search/search_errors.h"
#include "search/sort_parser.h"
#include "search/source_filter.h"

namespace sluice::search {

using index::FieldType;
using util::ParsingError;

util::Result<ValuesSource> ParseValuesSource(const rapidjson::Value& body, const std::string& type,
                                             std::initializer_list<const char*> extra) {
  ValuesSource vs;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "field" && it->value.IsString()) {
      vs.field = it->value.GetString();
    } else if (key == "missing" && it->value.IsNumber()) {
      vs.missing = it->value.GetDouble();
      json::JsonWriter w;
      w.Double(vs.missing.value());
      vs.missing_text = w.Take();
    } else if (key == "missing" && it->value.IsString()) {
      vs.missing_text = it->value.GetString();
    } else if (key == "format") {
      continue;
    } else if (key == "script") {
      return util::InvalidArgument("[" + type + "] scripts are not supported by sluice");
    } else if (std::find_if(extra.begin(), extra.end(), [&](const char* e) { return key == e; }) ==
               extra.end()) {
      return ParsingError("[" + type + "] unknown field [" + key + "]");
    }
  }
  if (vs.field.empty()) {
    return util::InvalidArgument(
        "Required one of fields [field, script], but none were "
        "specified. ");
  }
  return vs;
}

util::Result<Numbers> CollectNumbers(const DocSet& docs, const ValuesSource& vs,
                                     const std::string& type) {
  Numbers out;
  for (const Segment& seg : docs) {
    SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, vs.field));
    if (ref.mapped && ref.is_string()) {
      return ShardIllegalArgument(*seg.index, "Field [" + vs.field +
                                                  "] of type [keyword] is not "
                                                  "supported for aggregation [" +
                                                  type + "]");
    }
    if (ref.type == FieldType::kDate) out.is_date = true;
    for (const ScoredDoc& d : seg.docs) {
      bool any = false;
      ForEachValue(*seg.index, d.doc, ref, [&](const index::Index::Value& v) {
        out.values.push_back(v.number);
        any = true;
      });
      if (!any && vs.missing) out.values.push_back(*vs.missing);
    }
  }
  return out;
}

Stats ComputeStats(const std::vector<double>& values) {
  Stats s;
  for (double v : values) {
    ++s.count;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    s.sum += v;
    s.sum_sq += v * v;
  }
  return s;
}

void NumberOrNull(json::JsonWriter& w, bool present, double v) {
  if (present)
    w.Double(v);
  else
    w.Null();
}

namespace {

using util::Status;

class StatsAggregation : public Aggregation {
 public:
  enum class Kind { kMin, kMax, kSum, kAvg, kValueCount, kStats, kExtendedStats };
  StatsAggregation(Kind kind, std::string type, ValuesSource vs, double sigma)
      : kind_(kind), type_(std::move(type)), vs_(std::move(vs)), sigma_(sigma) {}

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    if (kind_ == Kind::kValueCount) {
      SLUICE_ASSIGN_OR_RETURN(uint64_t n, Count(docs));
      w.StartObject().Key("value").Uint(n).EndObject();
      return Status::Ok();
    }
    SLUICE_ASSIGN_OR_RETURN(Numbers n, CollectNumbers(docs, vs_, type_));
    Stats s = ComputeStats(n.values);
    bool any = s.count > 0;
    auto as_string = [&](const char* key, double v) {
      if (n.is_date && any) w.Key(key).String(FormatDate(static_cast<int64_t>(v)));
    };
    w.StartObject();
    switch (kind_) {
      case Kind::kMin:
        w.Key("value");
        NumberOrNull(w, any, s.min);
        as_string("value_as_string", s.min);
        break;
      case Kind::kMax:
        w.Key("value");
        NumberOrNull(w, any, s.max);
        as_string("value_as_string", s.max);
        break;
      case Kind::kSum:
        w.Key("value").Double(s.sum);
        as_string("value_as_string", s.sum);
        break;
      case Kind::kAvg:
        w.Key("value");
        NumberOrNull(w, any, s.sum / s.count);
        as_string("value_as_string", s.sum / s.count);
        break;
      case Kind::kStats:
      case Kind::kExtendedStats:
        WriteStats(s, n.is_date, w);
        break;
      case Kind::kValueCount:
        break;
    }
    w.EndObject();
    return Status::Ok();
  }

  util::Result<double> OrderValue(const DocSet& docs, std::string_view key) const override {
    if (kind_ == Kind::kValueCount) {
      SLUICE_ASSIGN_OR_RETURN(uint64_t n, Count(docs));
      return static_cast<double>(n);
    }
    SLUICE_ASSIGN_OR_RETURN(Numbers n, CollectNumbers(docs, vs_, type_));
    Stats s = ComputeStats(n.values);
    std::string k(key);
    if (k.empty()) {
      switch (kind_) {
        case Kind::kMin:
          k = "min";
          break;
        case Kind::kMax:
          k = "max";
          break;
        case Kind::kSum:
          k = "sum";
          break;
        case Kind::kAvg:
          k = "avg";
          break;
        default:
          return util::InvalidArgument("No metric specified for ordering by [" + name + "]");
      }
    }
    if (k == "count") return static_cast<double>(s.count);
    if (k == "min") return s.count ? s.min : INFINITY;
    if (k == "max") return s.count ? s.max : -INFINITY;
    if (k == "sum") return s.sum;
    if (k == "avg") return s.count ? s.sum / s.count : NAN;
    return util::InvalidArgument("Unknown value key [" + k + "] for aggregation [" + name + "]");
  }

 private:
  util::Result<uint64_t> Count(const DocSet& docs) const {
    uint64_t n = 0;
    for (const Segment& seg : docs) {
      SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, vs_.field));
      for (const ScoredDoc& d : seg.docs) {
        uint64_t before = n;
        ForEachValue(*seg.index, d.doc, ref, [&](const index::Index::Value&) { ++n; });
        if (n == before && vs_.missing_text) ++n;
      }
    }
    return n;
  }

  void WriteStats(const Stats& s, bool is_date, json::JsonWriter& w) const {
    bool any = s.count > 0;
    double avg = any ? s.sum / s.count : 0;
    w.Key("count").Uint(s.count);
    w.Key("min");
    NumberOrNull(w, any, s.min);
    w.Key("max");
    NumberOrNull(w, any, s.max);
    w.Key("avg");
    NumberOrNull(w, any, avg);
    w.Key("sum").Double(s.sum);
    if (kind_ == Kind::kExtendedStats) {
      // InternalExtendedStats' formulas, in its order of operations.
      const double count = static_cast<double>(s.count);
      double var_pop = any ? std::max(0.0, (s.sum_sq - s.sum * s.sum / count) / count) : 0;
      double var_sample =
          s.count > 1 ? std::max(0.0, (s.sum_sq - s.sum * s.sum / count) / (count - 1)) : 0;
      w.Key("sum_of_squares");
      NumberOrNull(w, any, s.sum_sq);
      for (auto [key, v] :
           {std::pair{"variance", var_pop}, std::pair{"variance_population", var_pop},
            std::pair{"variance_sampling", var_sample}}) {
        w.Key(key);
        NumberOrNull(w, key == std::string_view("variance_sampling") ? s.count > 1 : any, v);
      }
      double sd = std::sqrt(var_pop), sd_sample = std::sqrt(var_sample);
      for (auto [key, v] :
           {std::pair{"std_deviation", sd}, std::pair{"std_deviation_population", sd},
            std::pair{"std_deviation_sampling", sd_sample}}) {
        w.Key(key);
        NumberOrNull(w, key == std::string_view("std_deviation_sampling") ? s.count > 1 : any, v);
      }
      w.Key("std_deviation_bounds").StartObject();
      w.Key("upper");
      NumberOrNull(w, any, avg + sigma_ * sd);
      w.Key("lower");
      NumberOrNull(w, any, avg - sigma_ * sd);
      w.Key("upper_population");
      NumberOrNull(w, any, avg + sigma_ * sd);
      w.Key("lower_population");
      NumberOrNull(w, any, avg - sigma_ * sd);
      w.Key("upper_sampling");
      NumberOrNull(w, s.count > 1, avg + sigma_ * sd_sample);
      w.Key("lower_sampling");
      NumberOrNull(w, s.count > 1, avg - sigma_ * sd_sample);
      w.EndObject();
    }
    if (is_date && any) {
      w.Key("min_as_string").String(FormatDate(static_cast<int64_t>(s.min)));
      w.Key("max_as_string").String(FormatDate(static_cast<int64_t>(s.max)));
      w.Key("avg_as_string").String(FormatDate(static_cast<int64_t>(avg)));
      w.Key("sum_as_string").String(FormatDate(static_cast<int64_t>(s.sum)));
    }
  }

  Kind kind_;
  std::string type_;
  ValuesSource vs_;
  double sigma_;
};

// Exact distinct count (OpenSearch's HyperLogLog++ is exact below its
// precision_threshold, 3000 by default; sluice is exact at any size).
class CardinalityAggregation : public Aggregation {
 public:
  explicit CardinalityAggregation(ValuesSource vs) : vs_(std::move(vs)) {}
  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    SLUICE_ASSIGN_OR_RETURN(double n, OrderValue(docs, ""));
    w.StartObject().Key("value").Uint(static_cast<uint64_t>(n)).EndObject();
    return Status::Ok();
  }
  util::Result<double> OrderValue(const DocSet& docs, std::string_view) const override {
    std::unordered_set<std::string> strings;
    std::unordered_set<double> numbers;
    for (const Segment& seg : docs) {
      SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, vs_.field));
      for (const ScoredDoc& d : seg.docs) {
        bool any = false;
        ForEachValue(*seg.index, d.doc, ref, [&](const index::Index::Value& v) {
          any = true;
          if (ref.is_string())
            strings.insert(v.text);
          else
            numbers.insert(v.number);
        });
        // The missing value counts as one more distinct value, as the field's type reads it.
        if (!any && vs_.missing_text) {
          if (ref.mapped && !ref.is_string() && vs_.missing)
            numbers.insert(*vs_.missing);
          else
            strings.insert(*vs_.missing_text);
        }
      }
    }
    return static_cast<double>(strings.size() + numbers.size());
  }

 private:
  ValuesSource vs_;
};

class TopHitsAggregation : public Aggregation {
 public:
  TopHitsAggregation(int from, int size, SortSpec sort, SourceFilter source)
      : from_(from), size_(size), sort_(std::move(sort)), source_(std::move(source)) {}

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    struct Hit {
      size_t seg;
      ScoredDoc doc;
      std::vector<SortKey> keys;
    };
    std::vector<Hit> hits;
    std::vector<SortSpec::Bound> bounds;
    float max_score = -INFINITY;
    for (size_t s = 0; s < docs.size(); ++s) {
      if (!sort_.empty()) {
        SLUICE_ASSIGN_OR_RETURN(auto b, sort_.Bind(*docs[s].index));
        bounds.push_back(std::move(b));
      }
      for (const ScoredDoc& d : docs[s].docs) {
        max_score = std::max(max_score, d.score);
        Hit h{s, d, {}};
        if (!sort_.empty()) h.keys = bounds.back().Keys(*docs[s].index, d.doc, d.score);
        hits.push_back(std::move(h));
      }
    }
    auto order = [&](const Hit& a, const Hit& b) {
      if (!sort_.empty()) {
        int c = bounds[0].Compare(a.keys, b.keys);
        if (c != 0) return c < 0;
      } else if (a.doc.score != b.doc.score) {
        return a.doc.score > b.doc.score;
      }
      return a.seg != b.seg ? a.seg < b.seg : a.doc.doc < b.doc.doc;
    };
    size_t end = std::min(hits.size(), static_cast<size_t>(from_ + size_));
    std::partial_sort(hits.begin(), hits.begin() + end, hits.end(), order);
    bool scored = sort_.empty() || sort_.uses_score();
    w.StartObject().Key("hits").StartObject();
    w.Key("total").StartObject().Key("value").Uint(hits.size()).Key("relation").String("eq");
    w.EndObject().Key("max_score");
    if (!hits.empty() && sort_.empty())
      w.Float(max_score);
    else
      w.Null();
    w.Key("hits").StartArray();
    for (size_t i = static_cast<size_t>(from_); i < end; ++i) {
      const index::Index& index = *docs[hits[i].seg].index;
      SLUICE_ASSIGN_OR_RETURN(auto stored, index.Load(hits[i].doc.doc));
      if (!stored) continue;
      w.StartObject().Key("_index").String(index.name()).Key("_id").String(stored->id);
      w.Key("_score");
      if (scored)
        w.Float(hits[i].doc.score);
      else
        w.Null();
      if (source_.fetch) w.Key("_source").Raw(source_.Apply(stored->source));
      if (!sort_.empty()) {
        w.Key("sort");
        bounds[hits[i].seg].Render(hits[i].keys, w);
      }
      w.EndObject();
    }
    w.EndArray().EndObject().EndObject();
    return Status::Ok();
  }

 private:
  int from_, size_;
  SortSpec sort_;
  SourceFilter source_;
};

util::Result<std::unique_ptr<Aggregation>> ParseTopHits(const rapidjson::Value& body) {
  int from = 0, size = 3;
  SortSpec sort;
  SourceFilter source;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "size" && v.IsInt() && v.GetInt() >= 0) {
      size = v.GetInt();
    } else if (key == "from" && v.IsInt() && v.GetInt() >= 0) {
      from = v.GetInt();
    } else if (key == "sort") {
      SLUICE_ASSIGN_OR_RETURN(sort, ParseSort(v));
      const auto& f = sort.fields();
      if (f.size() == 1 && f[0].target == SortField::Target::kScore && f[0].descending) {
        sort = SortSpec();
      }
    } else if (key == "_source") {
      if (v.IsBool()) {
        source.fetch = v.GetBool();
      } else if (v.IsString()) {
        source.includes.push_back(v.GetString());
      } else if (v.IsArray()) {
        for (const auto& s : v.GetArray()) {
          if (s.IsString()) source.includes.push_back(s.GetString());
        }
      } else if (v.IsObject()) {
        for (const char* k : {"includes", "excludes"}) {
          auto m = v.FindMember(k);
          if (m == v.MemberEnd()) continue;
          auto& out = k[0] == 'i' ? source.includes : source.excludes;
          if (m->value.IsString()) out.push_back(m->value.GetString());
          if (m->value.IsArray()) {
            for (const auto& s : m->value.GetArray()) {
              if (s.IsString()) out.push_back(s.GetString());
            }
          }
        }
      }
    } else if (key == "track_scores" || key == "version" || key == "seq_no_primary_term") {
      continue;
    } else {
      return ParsingError("[top_hits] unknown field [" + key + "]");
    }
  }
  if (from + size > 100) {
    return util::InvalidArgument(
        "Top hits result window is too large, the top hits aggregator [top_hits]'s from + size "
        "must be less than or equal to: [100] but was [" +
        std::to_string(from + size) +
        "]. This limit can be set by changing the [index.max_inner_result_window] index level "
        "setting.");
  }
  return std::unique_ptr<Aggregation>(
      std::make_unique<TopHitsAggregation>(from, size, std::move(sort), std::move(source)));
}

// weighted_avg: sum(value * weight) / sum(weight) over every value of each
// document that has a value and a (single) weight, each side with its own
// "missing" (WeightedAvgAggregator).
class WeightedAvgAggregation : public Aggregation {
 public:
  WeightedAvgAggregation(ValuesSource value, ValuesSource weight)
      : value_(std::move(value)), weight_(std::move(weight)) {}
  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    SLUICE_ASSIGN_OR_RETURN(double v, OrderValue(docs, ""));
    w.StartObject().Key("value");
    NumberOrNull(w, !std::isnan(v), v);
    w.EndObject();
    return Status::Ok();
  }
  util::Result<double> OrderValue(const DocSet& docs, std::string_view) const override {
    double sum = 0, weights = 0;
    for (const Segment& seg : docs) {
      SLUICE_ASSIGN_OR_RETURN(FieldRef vref, NumericRef(*seg.index, value_.field));
      SLUICE_ASSIGN_OR_RETURN(FieldRef wref, NumericRef(*seg.index, weight_.field));
      for (const ScoredDoc& d : seg.docs) {
        std::vector<double> values, ws;
        ForEachValue(*seg.index, d.doc, vref,
                     [&](const index::Index::Value& v) { values.push_back(v.number); });
        ForEachValue(*seg.index, d.doc, wref,
                     [&](const index::Index::Value& v) { ws.push_back(v.number); });
        if (values.empty() && value_.missing) values.push_back(*value_.missing);
        if (ws.empty() && weight_.missing) ws.push_back(*weight_.missing);
        if (values.empty() || ws.empty()) continue;
        if (ws.size() > 1) {
          return ShardIllegalArgument(
              *seg.index,
              "Encountered more than one weight for a single document. Use a script to combine "
              "multiple weights-per-doc into a single value.");
        }
        for (double v : values) {
          sum += v * ws[0];
          weights += ws[0];
        }
      }
    }
    return weights == 0 ? NAN : sum / weights;
  }

 private:
  static util::Result<FieldRef> NumericRef(const index::Index& index, const std::string& field) {
    SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(index, field));
    if (ref.mapped && ref.is_string()) {
      return ShardIllegalArgument(index, "Field [" + field +
                                             "] of type [keyword] is not supported for "
                                             "aggregation [weighted_avg]");
    }
    return ref;
  }
  ValuesSource value_, weight_;
};

util::Result<std::unique_ptr<Aggregation>> ParseWeightedAvg(const rapidjson::Value& body) {
  std::optional<ValuesSource> value, weight;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "value" || key == "weight") {
      if (!it->value.IsObject()) {
        return ParsingError("[weighted_avg] [" + key + "] must be an object");
      }
      SLUICE_ASSIGN_OR_RETURN(ValuesSource vs, ParseValuesSource(it->value, "weighted_avg", {}));
      (key == "value" ? value : weight) = std::move(vs);
    } else if (key != "format" && key != "value_type") {
      return ParsingError("[weighted_avg] unknown field [" + key + "]");
    }
  }
  if (!value) return util::InvalidArgument("[value] must be set for weighted_avg");
  if (!weight) return util::InvalidArgument("[weight] must be set for weighted_avg");
  return std::unique_ptr<Aggregation>(
      std::make_unique<WeightedAvgAggregation>(std::move(*value), std::move(*weight)));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseMetricAggregation(const std::string& type,
                                                                  const std::string& name,
                                                                  const rapidjson::Value& body) {
  using Kind = StatsAggregation::Kind;
  static const std::map<std::string, Kind, std::less<>> kKinds = {
      {"min", Kind::kMin},
      {"max", Kind::kMax},
      {"sum", Kind::kSum},
      {"avg", Kind::kAvg},
      {"stats", Kind::kStats},
      {"extended_stats", Kind::kExtendedStats},
      {"value_count", Kind::kValueCount}};
  if (auto it = kKinds.find(type); it != kKinds.end()) {
    SLUICE_ASSIGN_OR_RETURN(ValuesSource vs, it->second == Kind::kExtendedStats
                                                 ? ParseValuesSource(body, type, {"sigma"})
                                                 : ParseValuesSource(body, type, {}));
    double sigma = 2.0;
    if (auto s = body.FindMember("sigma"); s != body.MemberEnd()) {
      if (!s->value.IsNumber()) {
        return util::Status(util::Code::kInvalidArgument, "x_content_parse_exception",
                            "[" + type + "] failed to parse field [sigma]");
      }
      if (s->value.GetDouble() < 0) {
        json::JsonWriter found;
        found.Double(s->value.GetDouble());
        return util::InvalidArgument("[sigma] must be greater than or equal to 0. Found [" +
                                     found.Take() + "] in [" + name + "]");
      }
      sigma = s->value.GetDouble();
    }
    return std::unique_ptr<Aggregation>(
        std::make_unique<StatsAggregation>(it->second, type, std::move(vs), sigma));
  }
  if (type == "cardinality") {
    SLUICE_ASSIGN_OR_RETURN(ValuesSource vs,
                            ParseValuesSource(body, type, {"precision_threshold"}));
    if (auto p = body.FindMember("precision_threshold"); p != body.MemberEnd()) {
      if (!p->value.IsInt64()) {
        return util::Status(util::Code::kInvalidArgument, "x_content_parse_exception",
                            "[cardinality] failed to parse field [precision_threshold]");
      }
      if (p->value.GetInt64() < 0) {
        return util::InvalidArgument(
            "[precisionThreshold] must be greater than or equal to 0. Found [" +
            std::to_string(p->value.GetInt64()) + "] in [" + name + "]");
      }
    }
    return std::unique_ptr<Aggregation>(std::make_unique<CardinalityAggregation>(std::move(vs)));
  }
  if (type == "top_hits") return ParseTopHits(body);
  if (type == "weighted_avg") return ParseWeightedAvg(body);
  return ParseDistributionAggregation(type, name, body);
}

}  // namespace sluice::search
