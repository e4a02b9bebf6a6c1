#include "search/aggregations/aggregation_set.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "json/json_writer.h"
#include "search/aggregations/agg_internal.h"
#include "search/aggregations/pipeline_aggs.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using util::ParsingError;

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

Aggregation::Aggregation() = default;
Aggregation::~Aggregation() = default;
AggregationList::AggregationList() = default;
AggregationList::AggregationList(AggregationList&&) noexcept = default;
AggregationList& AggregationList::operator=(AggregationList&&) noexcept = default;
AggregationList::~AggregationList() = default;

util::Result<AggregationList> ParseAggregationList(const rapidjson::Value& aggs,
                                                   const std::string& parent_type) {
  if (!aggs.IsObject()) return ParsingError("Aggregation definition must be an object");
  AggregationList out;
  for (auto it = aggs.MemberBegin(); it != aggs.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    const rapidjson::Value& def = it->value;
    if (!def.IsObject()) {
      return ParsingError("Expected [START_OBJECT] under [" + name + "], but got a value");
    }
    std::unique_ptr<Aggregation> agg;
    std::unique_ptr<PipelineAggregation> pipeline;
    std::string agg_type;
    const rapidjson::Value* subs = nullptr;
    std::string meta;
    for (auto m = def.MemberBegin(); m != def.MemberEnd(); ++m) {
      std::string type = m->name.GetString();
      if (type == "aggs" || type == "aggregations") {
        subs = &m->value;
        continue;
      }
      if (type == "meta") {
        if (!m->value.IsObject()) {
          return ParsingError("Expected [START_OBJECT] under [meta], but got a value");
        }
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
        m->value.Accept(writer);
        meta = buf.GetString();
        continue;
      }
      if (agg || pipeline) {
        return ParsingError("Found two aggregation type definitions in [" + name + "]: [" +
                            agg_type + "] and [" + type + "]");
      }
      agg_type = type;
      if (type == "composite" && !parent_type.empty() && parent_type != "nested" &&
          parent_type != "reverse_nested" && parent_type != "filter") {
        std::string factory = parent_type;
        for (size_t i = 0; i < factory.size(); ++i) {
          if (i == 0 || factory[i - 1] == '_') factory[i] = static_cast<char>(std::toupper(factory[i]));
        }
        factory.erase(std::remove(factory.begin(), factory.end(), '_'), factory.end());
        return util::InvalidArgument(
            "[composite] aggregation cannot be used with a parent aggregation of type: [" + factory +
            "AggregatorFactory]");
      }
      if (IsPipelineType(type)) {
        SLUICE_ASSIGN_OR_RETURN(pipeline,
                                ParsePipelineAggregation(type, name, m->value, parent_type));
        continue;
      }
      if (!m->value.IsObject()) {
        return ParsingError("Expected [START_OBJECT] under [" + type + "], but got a value");
      }
      SLUICE_ASSIGN_OR_RETURN(agg, ParseMetricAggregation(type, name, m->value));
      if (!agg) {
        SLUICE_ASSIGN_OR_RETURN(agg, ParseBucketAggregation(type, m->value));
      }
      if (!agg) return ParsingError("Unknown aggregation type [" + type + "]");
    }
    if (pipeline) {
      if (subs != nullptr) {
        return util::InvalidArgument("Aggregation [" + name + "] cannot define sub-aggregations");
      }
      pipeline->meta = std::move(meta);
      out.pipelines.push_back(std::move(pipeline));
      continue;
    }
    if (!agg) return ParsingError("Missing definition for aggregation [" + name + "]");
    agg->name = name;
    agg->meta = std::move(meta);
    if (agg->type_name.empty()) agg->type_name = agg_type;
    if (subs != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(AggregationList list, ParseAggregationList(*subs, agg_type));
      agg->subs = std::move(list.aggs);
      agg->pipelines = std::move(list.pipelines);
    }
    out.aggs.push_back(std::move(agg));
  }
  return out;
}

namespace {

bool NeedsTree(const std::vector<std::unique_ptr<Aggregation>>& aggs) {
  for (const auto& a : aggs) {
    if (!a->meta.empty() || !a->pipelines.empty() || NeedsTree(a->subs)) return true;
  }
  return false;
}

// Renames `name` in level to its typed key and puts its meta first.
void FinishOne(rapidjson::Value& level, const std::string& name, const std::string& typed,
               const std::string& meta, bool typed_keys, JsonAlloc& alloc) {
  auto it = level.FindMember(name.c_str());
  if (it == level.MemberEnd()) return;
  if (!meta.empty() && it->value.IsObject()) {
    rapidjson::Document m(&alloc);
    m.Parse(meta.c_str());
    rapidjson::Value out(rapidjson::kObjectType);
    out.AddMember("meta", rapidjson::Value(m, alloc), alloc);
    for (auto f = it->value.MemberBegin(); f != it->value.MemberEnd(); ++f) {
      out.AddMember(f->name, f->value, alloc);
    }
    it->value = out;
  }
  if (typed_keys) it->name.SetString((typed + "#" + name).c_str(), alloc);
}

// Adds meta and typed keys once the pipelines have run (they find outputs by
// plain name).
void Finish(const std::vector<std::unique_ptr<Aggregation>>& aggs,
            const std::vector<std::unique_ptr<PipelineAggregation>>& pipelines,
            rapidjson::Value& level, bool typed_keys, const DocSet& docs, JsonAlloc& alloc) {
  for (const auto& agg : aggs) {
    auto it = level.FindMember(agg->name.c_str());
    if (it == level.MemberEnd() || !it->value.IsObject()) continue;
    if (!agg->subs.empty() || !agg->pipelines.empty()) {
      rapidjson::Value& out = it->value;
      if (auto b = out.FindMember("buckets"); b != out.MemberEnd()) {
        if (b->value.IsArray()) {
          for (auto& bucket : b->value.GetArray()) {
            Finish(agg->subs, agg->pipelines, bucket, typed_keys, docs, alloc);
          }
        } else if (b->value.IsObject()) {
          for (auto m = b->value.MemberBegin(); m != b->value.MemberEnd(); ++m) {
            Finish(agg->subs, agg->pipelines, m->value, typed_keys, docs, alloc);
          }
        }
      } else {
        Finish(agg->subs, agg->pipelines, out, typed_keys, docs, alloc);
      }
    }
    FinishOne(level, agg->name, agg->TypedName(docs), agg->meta, typed_keys, alloc);
  }
  for (const auto& p : pipelines) {
    FinishOne(level, p->name, p->typed_name, p->meta, typed_keys, alloc);
  }
}

}  // namespace

AggregationSet::AggregationSet(AggregationList aggs)
    : aggs_(std::move(aggs.aggs)), pipelines_(std::move(aggs.pipelines)) {
  needs_tree_ = !pipelines_.empty() || NeedsTree(aggs_);
}
AggregationSet::~AggregationSet() = default;

util::Result<std::string> AggregationSet::Run(std::vector<AggregationInput> inputs,
                                              bool typed_keys) const {
  DocSet docs;
  for (auto& in : inputs) docs.push_back({in.index, std::move(in.docs)});
  json::JsonWriter w;
  w.StartObject();
  for (const auto& agg : aggs_) {
    w.Key(agg->name);
    SLUICE_RETURN_IF_ERROR(agg->Write(docs, w));
  }
  w.EndObject();
  if (!needs_tree_ && !typed_keys) return w.Take();
  // Pipelines, meta and typed keys work on the tree of outputs.
  rapidjson::Document tree;
  std::string text = w.Take();
  tree.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str());
  if (tree.HasParseError()) return util::Internal("aggregation output is not JSON");
  SLUICE_RETURN_IF_ERROR(ApplyPipelines(aggs_, pipelines_, tree, tree.GetAllocator()));
  Finish(aggs_, pipelines_, tree, typed_keys, docs, tree.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  tree.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

util::Result<std::shared_ptr<const AggregationSet>> ParseAggregations(const rapidjson::Value& v) {
  SLUICE_ASSIGN_OR_RETURN(AggregationList list, ParseAggregationList(v, ""));
  return std::shared_ptr<const AggregationSet>(std::make_shared<AggregationSet>(std::move(list)));
}

}  // namespace sluice::search
