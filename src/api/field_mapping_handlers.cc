// GET [/{index}]/_mapping/field/{fields}: OpenSearch's get-field-mapping API.
//
// For each index, every leaf field (not object or nested containers) whose
// full dotted path equals one of the comma-separated names or matches one as
// a wildcard is answered as
//   {"<name>": {"full_name": "<path>", "mapping": {"<leaf>": {...}}}}
// where the key is the name as asked for an exact match and the full path for
// a wildcard match, and the definition is the field's own object from the
// index's mappings (a multi-field's from its parent's "fields").
// include_defaults=true adds the parameters sluice applies when a mapping
// leaves them out (analyzer "default" for text, ...). An index without a
// matching field answers {"mappings": {}}; an unknown index is a 404.
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "index/index.h"
#include "index/mapping.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

// The definition object of `path` in a parsed mappings object, or null.
const rapidjson::Value* FieldDefinition(const rapidjson::Value& mappings, std::string_view path) {
  const rapidjson::Value* level = &mappings;  // an object holding "properties"
  const rapidjson::Value* field = nullptr;
  for (const std::string& part : util::SplitNonEmpty(path, '.')) {
    const rapidjson::Value* next = nullptr;
    for (const char* holder : {"properties", "fields"}) {
      if (!level->IsObject()) break;
      auto h = level->FindMember(holder);
      if (h == level->MemberEnd() || !h->value.IsObject()) continue;
      auto f = h->value.FindMember(rapidjson::StringRef(part.data(), part.size()));
      if (f != h->value.MemberEnd() && f->value.IsObject()) {
        next = &f->value;
        break;
      }
    }
    if (next == nullptr) return nullptr;
    field = next;
    level = next;
  }
  return field;
}

// What sluice applies when the mapping of a field of this type omits it.
void WriteDefaults(json::JsonWriter& w, index::FieldType type, const rapidjson::Value& def) {
  auto absent = [&def](const char* key) { return !def.HasMember(key); };
  auto put_bool = [&](const char* key, bool v) {
    if (absent(key)) w.Key(key).Bool(v);
  };
  switch (type) {
    case index::FieldType::kText:
      if (absent("analyzer")) w.Key("analyzer").String("default");
      if (absent("search_analyzer")) w.Key("search_analyzer").String("default");
      put_bool("index", true);
      put_bool("norms", true);
      put_bool("store", false);
      break;
    case index::FieldType::kKeyword:
      put_bool("index", true);
      put_bool("doc_values", true);
      put_bool("store", false);
      if (absent("ignore_above")) w.Key("ignore_above").Int(2147483647);
      break;
    case index::FieldType::kKnnVector:
      break;
    default:
      put_bool("index", true);
      put_bool("doc_values", true);
      put_bool("store", false);
      break;
  }
}

Response GetFieldMapping(const ApiContext& ctx, const Request& req) {
  auto resolved = ctx.catalog->ResolveAll(req.PathParam("index"));
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  std::vector<std::string> names = util::SplitNonEmpty(req.PathParam("fields"));
  bool defaults = req.Query("include_defaults").value_or("false") == "true";
  json::JsonWriter w;
  w.StartObject();
  for (const auto& index : *resolved) {
    rapidjson::Document mappings;
    std::string mapping_json = index->MappingJson();
    mappings.Parse(mapping_json.data(), mapping_json.size());
    w.Key(index->name()).StartObject().Key("mappings").StartObject();
    for (const auto& [path, field] : index->mapping().fields()) {
      if (index::IsContainer(field.type)) continue;
      const std::string* key = nullptr;
      for (const auto& name : names) {
        if (name == path) {
          key = &name;
          break;
        }
        if (name.find('*') != std::string::npos && util::WildcardMatch(name, path)) key = &path;
      }
      if (key == nullptr) continue;
      const rapidjson::Value* def = mappings.HasParseError() ? nullptr
                                                             : FieldDefinition(mappings, path);
      std::string leaf = path.substr(path.rfind('.') == std::string::npos ? 0
                                                                          : path.rfind('.') + 1);
      w.Key(*key).StartObject().Key("full_name").String(path);
      w.Key("mapping").StartObject().Key(leaf).StartObject();
      if (def != nullptr) {
        for (auto m = def->MemberBegin(); m != def->MemberEnd(); ++m) {
          w.Key(std::string_view(m->name.GetString(), m->name.GetStringLength()));
          w.Raw(json::ValueText(m->value));
        }
        if (defaults) WriteDefaults(w, field.type, *def);
      } else {
        w.Key("type").String(index::FieldTypeName(field.type));
      }
      w.EndObject().EndObject().EndObject();
    }
    w.EndObject().EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterFieldMappingRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_mapping/field/{fields}", BindHandler(ctx, GetFieldMapping));
  router.Add("GET", "/{index}/_mapping/field/{fields}", BindHandler(ctx, GetFieldMapping));
}

}  // namespace sluice::api
