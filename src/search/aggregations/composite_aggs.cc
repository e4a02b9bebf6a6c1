// composite: buckets keyed by the values of several sources (terms,
// histogram, date_histogram), in the sources' order, paged with `size` and
// `after` (CompositeAggregator / InternalComposite on one shard).
#include <algorithm>
#include <map>
#include <set>

#include "index/date_parse.h"
#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"

namespace sluice::search {
namespace {

using index::FieldType;
using util::ParsingError;
using util::Status;

// A key value: null (a missing bucket), a string or a number.
struct Value {
  enum class Kind { kNull, kString, kNumber } kind = Kind::kNull;
  std::string text;
  double number = 0;
};

struct Source {
  std::string name;
  std::string field;
  bool descending = false;
  bool missing_bucket = false;
  bool missing_last = false;  // missing_order; default: first when ascending, last descending
  std::function<double(double)> round;  // histograms; empty for terms
  bool dates = false;
  // format: dates as strings — full (iso8601, strict_date_optional_time) or
  // the day only (strict_date, date, yyyy-MM-dd).
  enum class DateFormat { kMillis, kFull, kDay } date_format = DateFormat::kMillis;
};

// -1, 0, 1 in the source's order.
int Compare(const Source& s, const Value& a, const Value& b) {
  if (a.kind == Value::Kind::kNull || b.kind == Value::Kind::kNull) {
    if (a.kind == b.kind) return 0;
    int null_first = a.kind == Value::Kind::kNull ? -1 : 1;
    return s.missing_last ? -null_first : null_first;
  }
  int c = 0;
  if (a.kind == Value::Kind::kString && b.kind == Value::Kind::kString) {
    c = a.text < b.text ? -1 : a.text > b.text;
  } else {
    c = a.number < b.number ? -1 : a.number > b.number;
  }
  return s.descending ? -c : c;
}

class CompositeAggregation : public Aggregation {
 public:
  std::vector<Source> sources;
  size_t size = 10;
  std::optional<std::vector<Value>> after;  // buckets start after this key

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    auto less = [this](const std::vector<Value>& a, const std::vector<Value>& b) {
      for (size_t i = 0; i < sources.size(); ++i) {
        int c = Compare(sources[i], a[i], b[i]);
        if (c != 0) return c < 0;
      }
      return false;
    };
    std::map<std::vector<Value>, std::pair<uint64_t, std::vector<std::pair<size_t, ScoredDoc>>>,
             decltype(less)>
        buckets(less);
    std::vector<FieldRef> refs;
    for (size_t s = 0; s < docs.size(); ++s) {
      const index::Index& index = *docs[s].index;
      refs.clear();
      for (const Source& src : sources) {
        SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(index, src.field));
        if (src.round && ref.mapped && ref.is_string()) {
          return util::InvalidArgument("Field [" + src.field +
                                       "] of type [keyword] is not supported for aggregation "
                                       "[composite]");
        }
        refs.push_back(ref);
      }
      for (const ScoredDoc& d : docs[s].docs) {
        std::vector<std::vector<Value>> parts(sources.size());
        bool complete = true;
        for (size_t f = 0; f < sources.size() && complete; ++f) {
          ForEachValue(index, d.doc, refs[f], [&](const index::Index::Value& v) {
            Value x;
            if (refs[f].is_string()) {
              x.kind = Value::Kind::kString;
              x.text = v.text;
            } else {
              x.kind = Value::Kind::kNumber;
              x.number = sources[f].round ? sources[f].round(v.number) : v.number;
            }
            parts[f].push_back(std::move(x));
          });
          if (parts[f].empty() && sources[f].missing_bucket) parts[f].emplace_back();
          complete = !parts[f].empty();
        }
        if (!complete) continue;
        std::vector<std::vector<Value>> combos = {{}};
        for (const auto& p : parts) {
          std::vector<std::vector<Value>> next;
          for (const auto& k : combos) {
            for (const Value& v : p) {
              auto longer = k;
              longer.push_back(v);
              next.push_back(std::move(longer));
            }
          }
          combos = std::move(next);
        }
        std::set<std::vector<Value>, decltype(less)> seen(less);
        for (auto& k : combos) {
          if (after && !less(*after, k)) continue;
          if (!seen.insert(k).second) continue;
          auto& b = buckets[k];
          ++b.first;
          if (!subs.empty()) b.second.push_back({s, d});
        }
      }
    }
    std::vector<const std::pair<const std::vector<Value>,
                                std::pair<uint64_t, std::vector<std::pair<size_t, ScoredDoc>>>>*>
        shown;
    for (const auto& b : buckets) {
      if (shown.size() == size) break;
      shown.push_back(&b);
    }
    w.StartObject();
    if (!shown.empty()) {
      w.Key("after_key");
      WriteKey(shown.back()->first, w);
    }
    w.Key("buckets").StartArray();
    for (const auto* b : shown) {
      w.StartObject().Key("key");
      WriteKey(b->first, w);
      DocSet set;
      for (const Segment& seg : docs) set.push_back({seg.index, {}});
      for (const auto& [s, d] : b->second.second) set[s].docs.push_back(d);
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, b->second.first, w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }

 private:
  void WriteKey(const std::vector<Value>& key, json::JsonWriter& w) const {
    w.StartObject();
    for (size_t i = 0; i < sources.size(); ++i) {
      w.Key(sources[i].name);
      const Value& v = key[i];
      if (v.kind == Value::Kind::kNull) {
        w.Null();
      } else if (v.kind == Value::Kind::kString) {
        w.String(v.text);
      } else if (sources[i].date_format != Source::DateFormat::kMillis) {
        std::string text = FormatDate(static_cast<int64_t>(v.number));
        w.String(sources[i].date_format == Source::DateFormat::kDay ? text.substr(0, 10) : text);
      } else if (sources[i].round && !sources[i].dates) {
        w.Double(v.number);
      } else {
        w.Int(static_cast<int64_t>(v.number));
      }
    }
    w.EndObject();
  }
};

// One source: {"name": {"terms" | "histogram" | "date_histogram": {...}}}.
util::Result<Source> ParseSource(const std::string& name, const rapidjson::Value& def) {
  if (!def.IsObject() || def.MemberCount() != 1) {
    return ParsingError("[composite] source [" + name + "] must have exactly one type");
  }
  const std::string type = def.MemberBegin()->name.GetString();
  const rapidjson::Value& body = def.MemberBegin()->value;
  if (!body.IsObject()) return ParsingError("[composite] source [" + name + "] must be an object");
  Source src;
  src.name = name;
  std::optional<std::string> missing_order;
  rapidjson::Document rest(rapidjson::kObjectType);
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "field" && v.IsString()) {
      src.field = v.GetString();
    } else if (key == "order" && v.IsString()) {
      std::string o = v.GetString();
      if (o != "asc" && o != "desc") return util::InvalidArgument("Unknown SortOrder [" + o + "]");
      src.descending = o == "desc";
      continue;
    } else if (key == "missing_bucket" && v.IsBool()) {
      src.missing_bucket = v.GetBool();
      continue;
    } else if (key == "missing_order" && v.IsString()) {
      missing_order = v.GetString();
      continue;
    } else if (key == "format" && v.IsString()) {
      std::string f = v.GetString();
      const bool full = f == "iso8601" || f == "strict_date_optional_time";
      const bool day = f == "strict_date" || f == "date" || f == "yyyy-MM-dd";
      if (type != "date_histogram" || (!full && !day)) {
        return util::InvalidArgument("[format] [" + f + "] of composite source [" + name +
                                     "] is not supported by sluice");
      }
      src.date_format = full ? Source::DateFormat::kFull : Source::DateFormat::kDay;
      continue;
    } else if (key == "script" || key == "value_type" || key == "missing") {
      return util::InvalidArgument("[" + key + "] of composite source [" + name +
                                   "] is not supported by sluice");
    } else if (type == "terms") {
      return ParsingError("[terms] unknown field [" + key + "]");
    }
    rest.AddMember(rapidjson::Value(key.c_str(), rest.GetAllocator()),
                   rapidjson::Value(v, rest.GetAllocator()), rest.GetAllocator());
  }
  if (type == "histogram" || type == "date_histogram") {
    src.dates = type == "date_histogram";
    SLUICE_ASSIGN_OR_RETURN(src.round, ParseHistogramRounding(rest, src.dates));
  } else if (type != "terms") {
    return util::InvalidArgument("composite source type [" + type + "] is not supported by sluice");
  }
  if (src.field.empty()) {
    return util::InvalidArgument("Required one of fields [field, script], but none were specified. ");
  }
  if (missing_order) {
    if (*missing_order != "first" && *missing_order != "last" && *missing_order != "default") {
      return util::InvalidArgument("Unknown MissingOrder [" + *missing_order + "]");
    }
  }
  // "first"/"last" are absolute; by default missing sorts first ascending, last descending.
  src.missing_last = missing_order && *missing_order != "default" ? *missing_order == "last"
                                                                  : src.descending;
  return src;
}

util::Result<std::unique_ptr<Aggregation>> ParseComposite(const rapidjson::Value& body) {
  auto agg = std::make_unique<CompositeAggregation>();
  const rapidjson::Value* after = nullptr;
  bool has_sources = false;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "sources") {
      has_sources = true;
      if (!v.IsArray()) return ParsingError("[composite] [sources] must be an array");
      std::set<std::string> names;
      for (const auto& s : v.GetArray()) {
        if (!s.IsObject()) return ParsingError("[composite] [sources] entries must be objects");
        for (auto m = s.MemberBegin(); m != s.MemberEnd(); ++m) {
          SLUICE_ASSIGN_OR_RETURN(Source src, ParseSource(m->name.GetString(), m->value));
          if (!names.insert(src.name).second) {
            return util::InvalidArgument(
                "Composite source names must be unique, found duplicates: [" + src.name + "]");
          }
          agg->sources.push_back(std::move(src));
        }
      }
    } else if (key == "size") {
      if (!v.IsInt64() || v.GetInt64() <= 0) {
        return util::InvalidArgument("[size] must be greater than 0. in [composite]");
      }
      if (v.GetInt64() > 65535) {
        return util::Status(util::Code::kInvalidArgument, "too_many_buckets_exception",
                            "Trying to create too many buckets. Must be less than or equal to: "
                            "[65535] but was [" +
                                std::to_string(v.GetInt64() + 1) +
                                "]. This limit can be set by changing the [search.max_buckets] "
                                "cluster level setting.");
      }
      agg->size = static_cast<size_t>(v.GetInt64());
    } else if (key == "after" && v.IsObject()) {
      after = &v;
    } else {
      return ParsingError("[composite] unknown field [" + key + "]");
    }
  }
  if (!has_sources) return ParsingError("Required [sources]");
  if (agg->sources.empty()) {
    return util::InvalidArgument("Composite [sources] cannot be null or empty");
  }
  if (after != nullptr) {
    std::vector<Value> key;
    for (const Source& s : agg->sources) {
      auto m = after->FindMember(s.name.c_str());
      if (m == after->MemberEnd()) {
        return util::InvalidArgument("[after] has " + std::to_string(after->MemberCount()) +
                                     " value(s) but [sources] has " +
                                     std::to_string(agg->sources.size()));
      }
      Value v;
      if (m->value.IsString()) {
        v.kind = Value::Kind::kString;
        v.text = m->value.GetString();
        if (s.dates || s.round) {
          v.kind = Value::Kind::kNumber;
          auto ms = s.dates ? index::ParseDateMillis(v.text) : std::nullopt;
          v.number = ms ? static_cast<double>(*ms) : std::strtod(v.text.c_str(), nullptr);
        }
      } else if (m->value.IsNumber()) {
        v.kind = Value::Kind::kNumber;
        v.number = m->value.GetDouble();
      } else if (m->value.IsBool()) {
        v.kind = Value::Kind::kNumber;
        v.number = m->value.GetBool();
      }
      key.push_back(std::move(v));
    }
    agg->after = std::move(key);
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseCompositeAggregation(const std::string& type,
                                                                     const rapidjson::Value& body) {
  if (type == "composite") return ParseComposite(body);
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
