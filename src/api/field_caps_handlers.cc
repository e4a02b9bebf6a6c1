// GET|POST [/<index>]/_field_caps?fields=...: the capabilities of fields
// across indices, as OpenSearch's FieldCapabilitiesResponse — per field, per
// type: searchable, aggregatable, the indices (when not all have that type)
// and the merged `meta`. `index_filter` in the body leaves out the indices
// where it matches no document. OpenSearch Dashboards reads index patterns
// through it.
#include <rapidjson/document.h>

#include <map>
#include <set>

#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "search/search_request.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

struct Caps {
  bool searchable = true;
  bool aggregatable = true;
  std::map<std::string, std::set<std::string>> meta;
};

// field -> type -> (index -> caps)
using FieldTable = std::map<std::string, std::map<std::string, std::map<std::string, Caps>>>;

Caps TypeCaps(std::string_view type, const rapidjson::Value& def) {
  Caps c;
  if (type == "object" || type == "nested") {
    c.searchable = false;
    c.aggregatable = false;
  } else if (type == "text" || type == "match_only_text") {
    c.aggregatable =
        def.HasMember("fielddata") && def["fielddata"].IsBool() && def["fielddata"].GetBool();
  } else if (type == "knn_vector" || type == "binary") {
    c.aggregatable = false;
    c.searchable = type == "knn_vector";
  }
  if (def.HasMember("index") && def["index"].IsBool() && !def["index"].GetBool()) {
    c.searchable = false;
  }
  if (auto m = def.FindMember("meta"); m != def.MemberEnd() && m->value.IsObject()) {
    for (auto it = m->value.MemberBegin(); it != m->value.MemberEnd(); ++it) {
      if (it->value.IsString()) c.meta[it->name.GetString()].insert(it->value.GetString());
    }
  }
  return c;
}

void Walk(const rapidjson::Value& properties, const std::string& prefix, const std::string& index,
          FieldTable& table) {
  for (auto it = properties.MemberBegin(); it != properties.MemberEnd(); ++it) {
    if (!it->value.IsObject()) continue;
    std::string path = prefix + it->name.GetString();
    const rapidjson::Value& def = it->value;
    std::string type =
        def.HasMember("type") && def["type"].IsString() ? def["type"].GetString() : "object";
    table[path][type][index] = TypeCaps(type, def);
    if (auto p = def.FindMember("properties"); p != def.MemberEnd() && p->value.IsObject()) {
      Walk(p->value, path + ".", index, table);
    }
    if (auto f = def.FindMember("fields"); f != def.MemberEnd() && f->value.IsObject()) {
      Walk(f->value, path + ".", index, table);
    }
  }
}

void AddMetadataFields(const std::string& index, FieldTable& table) {
  struct Meta {
    const char* name;
    bool searchable, aggregatable;
  };
  for (const Meta& m :
       {Meta{"_id", true, true}, Meta{"_index", true, true}, Meta{"_source", false, false},
        Meta{"_seq_no", true, true}, Meta{"_version", false, false}, Meta{"_routing", true, false},
        Meta{"_field_names", true, false}, Meta{"_ignored", true, false}}) {
    Caps c;
    c.searchable = m.searchable;
    c.aggregatable = m.aggregatable;
    table[m.name][m.name][index] = c;
  }
}

bool Wanted(const std::vector<std::string>& patterns, const std::string& field) {
  for (const auto& p : patterns) {
    if (util::WildcardMatch(p, field)) return true;
  }
  return false;
}

void WriteIndexList(json::JsonWriter& w, const char* key, const std::vector<std::string>& names) {
  w.Key(key).StartArray();
  for (const auto& n : names) w.String(n);
  w.EndArray();
}

Response FieldCaps(const ApiContext& ctx, const Request& req) {
  std::vector<std::string> patterns = util::SplitNonEmpty(req.Query("fields").value_or(""));
  std::string index_filter;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    rapidjson::Document body;
    body.Parse(req.body.data(), req.body.size());
    if (body.HasParseError() || !body.IsObject()) {
      return ErrorResponse(req, util::ParseError("Failed to parse request body"));
    }
    for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key == "index_filter") {
        index_filter = "{\"query\":" + json::ValueText(it->value) + "}";
      } else if (key == "fields" && it->value.IsArray()) {
        for (const auto& f : it->value.GetArray()) {
          if (f.IsString()) patterns.push_back(f.GetString());
        }
      } else {
        return ErrorResponse(req, util::ParsingError("request does not support [" + key + "]"));
      }
    }
  }
  if (patterns.empty()) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: no fields specified;"));
  }
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) {
    if (!FlagParam(req, "ignore_unavailable")) return ErrorResponse(req, targets.status());
    targets = std::vector<std::shared_ptr<index::Index>>();
  }
  std::optional<search::SearchRequest> filter;
  if (!index_filter.empty()) {
    auto parsed = search::ParseSearchRequest(index_filter, /*count_only=*/true);
    if (!parsed.ok()) return ErrorResponse(req, parsed.status());
    filter = std::move(*parsed);
  }
  std::vector<std::string> names;
  FieldTable table;
  for (const auto& index : *targets) {
    if (filter) {
      auto n = search::ExecuteCount(*filter, {index});
      if (!n.ok()) return ErrorResponse(req, n.status());
      if (*n == 0) continue;
    }
    names.push_back(index->name());
    rapidjson::Document mapping;
    std::string json = index->MappingJson();
    mapping.Parse(json.data(), json.size());
    if (!mapping.HasParseError() && mapping.HasMember("properties") &&
        mapping["properties"].IsObject()) {
      Walk(mapping["properties"], "", index->name(), table);
    }
    AddMetadataFields(index->name(), table);
  }
  bool include_unmapped = FlagParam(req, "include_unmapped");
  json::JsonWriter w;
  w.StartObject();
  WriteIndexList(w, "indices", names);
  w.Key("fields").StartObject();
  for (const auto& [field, types] : table) {
    if (!Wanted(patterns, field)) continue;
    w.Key(field).StartObject();
    std::set<std::string> mapped;
    for (const auto& [type, by_index] : types) {
      for (const auto& [i, c] : by_index) mapped.insert(i);
    }
    std::vector<std::string> unmapped;
    for (const auto& n : names) {
      if (mapped.count(n) == 0) unmapped.push_back(n);
    }
    if (include_unmapped && !unmapped.empty()) {
      w.Key("unmapped").StartObject().Key("type").String("unmapped");
      w.Key("searchable").Bool(false).Key("aggregatable").Bool(false);
      WriteIndexList(w, "indices", unmapped);
      w.EndObject();
    }
    bool several = types.size() > 1 || (include_unmapped && !unmapped.empty());
    for (const auto& [type, by_index] : types) {
      bool searchable = true, aggregatable = true;
      std::vector<std::string> indices, non_searchable, non_aggregatable;
      std::map<std::string, std::set<std::string>> meta;
      for (const auto& [i, c] : by_index) {
        indices.push_back(i);
        searchable = searchable && c.searchable;
        aggregatable = aggregatable && c.aggregatable;
        if (!c.searchable) non_searchable.push_back(i);
        if (!c.aggregatable) non_aggregatable.push_back(i);
        for (const auto& [k, v] : c.meta) meta[k].insert(v.begin(), v.end());
      }
      w.Key(type).StartObject().Key("type").String(type);
      w.Key("searchable").Bool(searchable).Key("aggregatable").Bool(aggregatable);
      if (several) WriteIndexList(w, "indices", indices);
      if (!searchable && !non_searchable.empty() && non_searchable.size() < indices.size()) {
        WriteIndexList(w, "non_searchable_indices", non_searchable);
      }
      if (!aggregatable && !non_aggregatable.empty() && non_aggregatable.size() < indices.size()) {
        WriteIndexList(w, "non_aggregatable_indices", non_aggregatable);
      }
      if (!meta.empty()) {
        w.Key("meta").StartObject();
        for (const auto& [k, values] : meta) {
          w.Key(k).StartArray();
          for (const auto& v : values) w.String(v);
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterFieldCapsRoutes(http::Router& router, const ApiContext& ctx) {
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_field_caps", BindHandler(ctx, FieldCaps), {.pool = http::Pool::kSearch});
    router.Add(method, "/{index}/_field_caps", BindHandler(ctx, FieldCaps),
               {.pool = http::Pool::kSearch});
  }
}

}  // namespace sluice::api
