// Alias APIs, as OpenSearch's RestIndexPutAliasAction, RestGetAliasesAction,
// RestIndexDeleteAliasesAction and RestIndicesAliasesAction answer them:
//   PUT|POST /{index}/_alias[es]/{name}, PUT|POST /_alias[es]/{name} (index in the body)
//   GET /_alias[/{name}], GET /{index}/_alias[/{name}], HEAD the same (exists_alias)
//   DELETE /{index}/_alias[es]/{name}
//   POST /_aliases {"actions":[{"add"|"remove"|"remove_index":{...}}]}
//   GET /_cat/aliases[/{name}]
#include <rapidjson/document.h>

#include <algorithm>
#include <set>

#include "api/cat_table.h"
#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "util/wildcard.h"
#include "util/split.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using index::AliasAction;
using index::AliasMetadata;

bool IsPattern(std::string_view s) { return s == "_all" || s.find('*') != s.npos; }

bool NameMatches(const std::vector<std::string>& names, const std::string& alias) {
  if (names.empty()) return true;
  for (const auto& n : names) {
    if (n == "_all" || n == alias || (n.find('*') != n.npos && util::WildcardMatch(n, alias))) {
      return true;
    }
  }
  return false;
}

util::Status Validation(const std::string& what) {
  return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                      "Validation Failed: 1: " + what + ";");
}

util::Result<rapidjson::Document> ParseObject(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParseError("Failed to parse content to map");
  }
  return doc;
}

// A string or an array of strings (index/indices, alias/aliases).
util::Status AppendNames(const rapidjson::Value& v, const std::string& key,
                         std::vector<std::string>& out) {
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return util::Status::Ok();
  }
  if (!v.IsArray()) return util::ParsingError("[" + key + "] must be a string or an array");
  if (v.Empty()) return util::InvalidArgument("[" + key + "] can't be empty");
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return util::ParsingError("[" + key + "] must contain strings");
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return util::Status::Ok();
}

// One {"add"|"remove"|"remove_index": {...}} of POST /_aliases.
util::Status ParseAction(const rapidjson::Value& entry, std::vector<AliasAction>& out) {
  if (!entry.IsObject() || entry.MemberCount() != 1) {
    return util::ParsingError("[alias_action] expected an object with exactly one action");
  }
  std::string type = entry.MemberBegin()->name.GetString();
  const rapidjson::Value& body = entry.MemberBegin()->value;
  AliasAction::Kind kind;
  if (type == "add")
    kind = AliasAction::Kind::kAdd;
  else if (type == "remove")
    kind = AliasAction::Kind::kRemove;
  else if (type == "remove_index")
    kind = AliasAction::Kind::kRemoveIndex;
  else
    return util::ParsingError("[alias_action] unknown field [" + type + "]");
  if (!body.IsObject()) return util::ParsingError("[" + type + "] must be an object");
  std::vector<std::string> indices, aliases;
  std::optional<bool> must_exist;
  json::JsonWriter meta;
  meta.StartObject();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "index" || key == "indices") {
      SLUICE_RETURN_IF_ERROR(AppendNames(it->value, key, indices));
    } else if ((key == "alias" || key == "aliases") && kind != AliasAction::Kind::kRemoveIndex) {
      SLUICE_RETURN_IF_ERROR(AppendNames(it->value, key, aliases));
    } else if (key == "must_exist" && kind != AliasAction::Kind::kAdd) {
      if (!it->value.IsBool()) return util::ParsingError("[must_exist] must be a boolean");
      must_exist = it->value.GetBool();
    } else if (kind == AliasAction::Kind::kAdd) {
      meta.Key(key).Raw(json::ValueText(it->value));
    } else {
      return util::ParsingError("[" + type + "] unknown field [" + key + "]");
    }
  }
  meta.EndObject();
  if (indices.empty()) return Validation("One of [index/indices] is required");
  if (kind != AliasAction::Kind::kRemoveIndex && aliases.empty()) {
    return Validation("One of [alias/aliases] is required");
  }
  AliasAction base;
  base.kind = kind;
  base.must_exist = must_exist;
  if (kind == AliasAction::Kind::kAdd) {
    SLUICE_ASSIGN_OR_RETURN(base.metadata, index::ParseAliasMetadata(meta.Take()));
  }
  std::string index_expr;
  for (const auto& i : indices) index_expr += (index_expr.empty() ? "" : ",") + i;
  base.index = index_expr;
  if (kind == AliasAction::Kind::kAdd) {
    for (const auto& a : aliases) {
      AliasAction add = base;
      add.alias = a;
      out.push_back(std::move(add));
    }
  } else {
    for (const auto& a : aliases) base.alias += (base.alias.empty() ? "" : ",") + a;
    out.push_back(std::move(base));
  }
  return util::Status::Ok();
}

Response UpdateAliases(const ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return ErrorResponse(req, BodyRequired());
  auto doc = ParseObject(req.body);
  if (!doc.ok()) return ErrorResponse(req, doc.status());
  std::vector<AliasAction> actions;
  for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key != "actions") {
      return ErrorResponse(req, util::ParsingError("[aliases] unknown field [" + key + "]"));
    }
    const rapidjson::Value& list = it->value;
    if (list.IsObject()) {
      if (util::Status s = ParseAction(list, actions); !s.ok()) return ErrorResponse(req, s);
      continue;
    }
    if (!list.IsArray())
      return ErrorResponse(req, util::ParsingError("[actions] must be an array"));
    for (const auto& entry : list.GetArray()) {
      if (util::Status s = ParseAction(entry, actions); !s.ok()) return ErrorResponse(req, s);
    }
  }
  if (actions.empty())
    return ErrorResponse(req, Validation("Must specify at least one alias action"));
  if (util::Status s = ctx.catalog->UpdateAliases(actions); !s.ok()) return ErrorResponse(req, s);
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response PutAlias(const ApiContext& ctx, const Request& req) {
  std::string index(req.PathParam("index"));
  std::string name(req.PathParam("name"));
  json::JsonWriter meta;
  meta.StartObject();
  if (!req.body.empty()) {
    auto doc = ParseObject(req.body);
    if (!doc.ok()) return ErrorResponse(req, doc.status());
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if ((key == "index" || key == "alias") && it->value.IsString()) {
        (key == "index" ? index : name) = it->value.GetString();
      } else {
        meta.Key(key).Raw(json::ValueText(it->value));
      }
    }
  }
  meta.EndObject();
  if (index.empty()) return ErrorResponse(req, Validation("One of [index/indices] is required"));
  if (name.empty()) return ErrorResponse(req, Validation("One of [alias/aliases] is required"));
  AliasAction add;
  add.index = index;
  add.alias = name;
  auto parsed = index::ParseAliasMetadata(meta.Take());
  if (!parsed.ok()) return ErrorResponse(req, parsed.status());
  add.metadata = std::move(*parsed);
  if (util::Status s = ctx.catalog->UpdateAliases({add}); !s.ok()) return ErrorResponse(req, s);
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response DeleteAlias(const ApiContext& ctx, const Request& req) {
  AliasAction remove;
  remove.kind = AliasAction::Kind::kRemove;
  remove.index = std::string(req.PathParam("index"));
  remove.alias = std::string(req.PathParam("name"));
  if (util::Status s = ctx.catalog->UpdateAliases({remove}); !s.ok()) return ErrorResponse(req, s);
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

// What GET /_alias finds: index -> matching aliases, and the names that matched none.
struct AliasLookup {
  std::map<std::string, std::map<std::string, AliasMetadata>> found;
  std::vector<std::string> missing;  // sorted
};

// The alias names of a request as OpenSearch's Metadata.findAliases reads
// them: "-name" excludes (name may be a pattern) when it is a wildcard or
// follows one; before the first wildcard it is a plain name. No names is all.
struct AliasNames {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool all = false;
  bool Matches(const std::string& alias) const {
    return (all || (!include.empty() && NameMatches(include, alias))) &&
           (exclude.empty() || !NameMatches(exclude, alias));
  }
};

AliasNames ParseNames(std::string_view expr) {
  AliasNames out;
  bool wildcard_seen = false;
  for (auto& n : util::SplitNonEmpty(expr)) {
    bool wildcard = IsPattern(n);
    if (n.size() > 1 && n[0] == '-' && (wildcard_seen || wildcard)) {
      out.exclude.push_back(n.substr(1));
    } else {
      out.include.push_back(n);
    }
    wildcard_seen = wildcard_seen || wildcard;
  }
  out.all = expr.empty();
  return out;
}

util::Result<AliasLookup> Lookup(const ApiContext& ctx, const Request& req) {
  std::string_view index_expr = req.PathParam("index");
  AliasNames names = ParseNames(req.PathParam("name"));
  bool no_names = req.PathParam("name").empty();
  auto all = ctx.catalog->Aliases();
  std::set<std::string> wanted_indices;
  bool all_indices = index_expr.empty();
  if (!all_indices) {
    SLUICE_ASSIGN_OR_RETURN(auto resolved, ctx.catalog->Resolve(index_expr));
    for (const auto& i : resolved) wanted_indices.insert(i->name());
  }
  AliasLookup out;
  std::set<std::string> existing;  // alias names in the selected indices
  for (const auto& [index, aliases] : all) {
    if (!all_indices && wanted_indices.count(index) == 0) continue;
    std::map<std::string, AliasMetadata> hits;
    for (const auto& [alias, meta] : aliases) {
      existing.insert(alias);
      if (names.Matches(alias)) hits.emplace(alias, meta);
    }
    // Without a name, every selected index is listed; with one, only those with a match.
    if (!hits.empty() || no_names) out.found.emplace(index, std::move(hits));
  }
  for (const auto& n : names.include) {
    if (!IsPattern(n) && existing.count(n) == 0) out.missing.push_back(n);
  }
  std::sort(out.missing.begin(), out.missing.end());
  return out;
}

Response GetAlias(const ApiContext& ctx, const Request& req) {
  auto lookup = Lookup(ctx, req);
  if (!lookup.ok()) return ErrorResponse(req, lookup.status());
  json::JsonWriter w;
  w.StartObject();
  if (!lookup->missing.empty()) {
    std::string list;
    for (const auto& m : lookup->missing) list += (list.empty() ? "" : ",") + m;
    w.Key("error").String(std::string(lookup->missing.size() == 1 ? "alias [" : "aliases [") +
                          list + "] missing");
    w.Key("status").Int(404);
  }
  for (const auto& [index, aliases] : lookup->found) {
    w.Key(index).StartObject().Key("aliases").StartObject();
    for (const auto& [alias, meta] : aliases) w.Key(alias).Raw(meta.ToJson());
    w.EndObject().EndObject();
  }
  w.EndObject();
  return JsonResponse(req, lookup->missing.empty() ? 200 : 404, w.Take());
}

Response ExistsAlias(const ApiContext& ctx, const Request& req) {
  auto lookup = Lookup(ctx, req);
  Response r;
  r.status = lookup.ok() && lookup->missing.empty() && !lookup->found.empty() ? 200 : 404;
  return r;
}

Response CatAliases(const ApiContext& ctx, const Request& req) {
  AliasNames names = ParseNames(req.PathParam("name"));
  std::string_view expand = req.Query("expand_wildcards").value_or("all");
  bool show_hidden = expand.find("all") != expand.npos || expand.find("hidden") != expand.npos;
  CatTable table({
      {"alias", "a", "alias name"},
      {"index", "i,idx", "index alias points to"},
      {"filter", "f,fi", "filter"},
      {"routing.index", "ri,routingIndex", "index routing"},
      {"routing.search", "rs,routingSearch", "search routing"},
      {"is_write_index", "w,isWriteIndex", "write index"},
  });
  auto dash = [](const std::optional<std::string>& v) { return CatCell::Text(v.value_or("-")); };
  for (const auto& [index, aliases] : ctx.catalog->Aliases()) {
    for (const auto& [alias, meta] : aliases) {
      if (!names.Matches(alias) || (meta.is_hidden.value_or(false) && !show_hidden)) continue;
      table.AddRow(
          {CatCell::Text(alias), CatCell::Text(index),
           CatCell::Text(meta.filter_json.empty() ? "-" : "*"), dash(meta.index_routing),
           dash(meta.search_routing),
           CatCell::Text(meta.is_write_index ? (*meta.is_write_index ? "true" : "false") : "-")});
    }
  }
  return table.Render(req);
}

}  // namespace

void RegisterAliasRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  for (const char* method : {"PUT", "POST"}) {
    for (const char* seg : {"_alias", "_aliases"}) {
      router.Add(method, std::string("/{index}/") + seg + "/{name}", bind(PutAlias));
      router.Add(method, std::string("/_") + (seg + 1) + "/{name}", bind(PutAlias));
    }
  }
  router.Add("PUT", "/{index}/_alias", bind(PutAlias));
  router.Add("PUT", "/{index}/_aliases", bind(PutAlias));
  router.Add("PUT", "/_alias", bind(PutAlias));
  router.Add("POST", "/_aliases", bind(UpdateAliases));
  for (const char* seg : {"_alias", "_aliases"}) {
    router.Add("DELETE", std::string("/{index}/") + seg + "/{name}", bind(DeleteAlias));
  }
  router.Add("GET", "/_alias", bind(GetAlias));
  router.Add("GET", "/_alias/{name}", bind(GetAlias));
  router.Add("GET", "/{index}/_alias", bind(GetAlias));
  router.Add("GET", "/{index}/_alias/{name}", bind(GetAlias));
  router.Add("HEAD", "/_alias/{name}", bind(ExistsAlias));
  router.Add("HEAD", "/{index}/_alias/{name}", bind(ExistsAlias));
  router.Add("GET", "/_cat/aliases", bind(CatAliases));
  router.Add("GET", "/_cat/aliases/{name}", bind(CatAliases));
}

}  // namespace sluice::api
