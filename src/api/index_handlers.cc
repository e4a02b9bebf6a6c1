// Index APIs: create, get, exists, delete, mappings, settings, refresh, flush.
#include <algorithm>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

Response Create(const ApiContext& ctx, const Request& req) {
  std::string_view name = req.PathParam("index");
  auto created = ctx.catalog->Create(name, req.body);
  if (!created.ok()) return ErrorResponse(req, created.status());
  json::JsonWriter w;
  w.StartObject().Key("acknowledged").Bool(true).Key("shards_acknowledged").Bool(true);
  w.Key("index").String(name).EndObject();
  return JsonResponse(req, 200, w.Take());
}

// GET /<index>'s targets: closed indices included; ?ignore_unavailable skips
// names that match nothing, ?expand_wildcards=open|closed|all filters what
// wildcards match by state, ?allow_no_indices=false refuses an empty result.
util::Result<std::vector<std::shared_ptr<index::Index>>> GetTargets(const ApiContext& ctx,
                                                                    const Request& req) {
  std::string_view expr = req.PathParam("index");
  std::vector<std::shared_ptr<index::Index>> out;
  for (const auto& part : util::SplitNonEmpty(expr.empty() ? "_all" : expr)) {
    auto got = ctx.catalog->ResolveAll(part);
    if (!got.ok()) {
      if (FlagParam(req, "ignore_unavailable")) continue;
      return got.status();
    }
    bool wildcard = part == "_all" || part.find('*') != std::string::npos;
    std::string_view expand = req.Query("expand_wildcards").value_or("all");
    for (const auto& index : *got) {
      bool closed = ctx.catalog->IsClosed(index->name());
      bool shown = !wildcard || expand.find("all") != std::string_view::npos ||
                   expand.find(closed ? "closed" : "open") != std::string_view::npos;
      if (shown && std::find(out.begin(), out.end(), index) == out.end()) out.push_back(index);
    }
  }
  if (out.empty() && req.Query("allow_no_indices") == "false") {
    return index::IndexNotFound(expr);
  }
  return out;
}

Response Get(const ApiContext& ctx, const Request& req) {
  // A name no index can have ("_foo") is a 400, as OpenSearch's resolver answers it.
  for (const auto& part : util::SplitNonEmpty(req.PathParam("index"))) {
    if (part.front() == '_' && part != "_all") {
      if (util::Status s = index::ValidateIndexName(part); !s.ok()) return ErrorResponse(req, s);
    }
  }
  auto resolved = GetTargets(ctx, req);
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  bool flat = FlagParam(req, "flat_settings");
  auto aliases = ctx.catalog->Aliases();
  json::JsonWriter w;
  w.StartObject();
  for (const auto& index : *resolved) {
    w.Key(index->name()).StartObject();
    w.Key("aliases").StartObject();
    for (const auto& [alias, meta] : aliases[index->name()]) w.Key(alias).Raw(meta.ToJson());
    w.EndObject();
    w.Key("mappings").Raw(index->MappingJson());
    w.Key("settings").Raw(flat ? index->settings().ToFlatJson() : index->settings().ToNestedJson());
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response Exists(const ApiContext& ctx, const Request& req) {
  Response r;
  r.status = ctx.catalog->ResolveAll(req.PathParam("index")).ok() ? 200 : 404;
  return r;
}

// DELETE /<index> takes concrete indices only, as OpenSearch: an alias name is
// refused and wildcards match index names, never aliases (deleting through an
// alias would drop the indices behind it). ignore_unavailable=true skips alias
// names and missing indices instead; allow_no_indices=false makes a wildcard
// that matches no index a 404.
util::Result<std::vector<std::shared_ptr<index::Index>>> DeleteTargets(const ApiContext& ctx,
                                                                       std::string_view expr,
                                                                       bool ignore_unavailable,
                                                                       bool allow_no_indices) {
  auto aliases = ctx.catalog->Aliases();
  std::vector<std::shared_ptr<index::Index>> out;
  size_t start = 0;
  while (start <= expr.size()) {
    size_t comma = expr.find(',', start);
    std::string part(expr.substr(start, comma == expr.npos ? expr.npos : comma - start));
    if (!part.empty()) {
      bool pattern = part == "_all" || part.find('*') != std::string::npos;
      bool is_alias = false;
      for (const auto& [name, of_index] : aliases) is_alias = is_alias || of_index.count(part) > 0;
      if (!pattern && aliases.count(part) == 0 && is_alias) {
        if (ignore_unavailable) {
          if (comma == expr.npos) break;
          start = comma + 1;
          continue;
        }
        return util::InvalidArgument("The provided expression [" + part +
                                     "] matches an alias, specify the corresponding concrete "
                                     "indices instead.");
      }
      bool matched = false;
      for (const auto& index : ctx.catalog->List()) {
        const std::string& n = index->name();
        bool match = pattern ? (part == "_all" || util::WildcardMatch(part, n)) : n == part;
        matched = matched || match;
        if (match && std::find(out.begin(), out.end(), index) == out.end()) out.push_back(index);
      }
      if (!pattern && aliases.count(part) == 0 && !ignore_unavailable) {
        return index::IndexNotFound(part);
      }
      if (pattern && !matched && !allow_no_indices) return index::IndexNotFound(part);
    }
    if (comma == expr.npos) break;
    start = comma + 1;
  }
  return out;
}

Response Delete(const ApiContext& ctx, const Request& req) {
  std::string_view expr = req.PathParam("index");
  auto resolved = expr.empty() ? ctx.catalog->Resolve(expr)
                                : DeleteTargets(ctx, expr, FlagParam(req, "ignore_unavailable"),
                                                req.Query("allow_no_indices") != "false");
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  for (const auto& index : *resolved) {
    if (util::Status s = ctx.catalog->Delete(index->name()); !s.ok()) {
      return ErrorResponse(req, s);
    }
  }
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response GetMapping(const ApiContext& ctx, const Request& req) {
  auto resolved = ctx.catalog->ResolveAll(req.PathParam("index"));
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  json::JsonWriter w;
  w.StartObject();
  for (const auto& index : *resolved) {
    w.Key(index->name()).StartObject().Key("mappings").Raw(index->MappingJson()).EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response PutMapping(const ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return ErrorResponse(req, BodyRequired());
  auto resolved = ctx.catalog->Resolve(req.PathParam("index"));
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  for (const auto& index : *resolved) {
    if (util::Status s = index->MergeMapping(req.body); !s.ok()) return ErrorResponse(req, s);
  }
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

// Writes are searchable when they return, so refresh and flush only confirm
// the indices exist, count the call (GET /_stats) and report the shard counts
// OpenSearch would.
Response RefreshOrFlush(const ApiContext& ctx, const Request& req, bool flush) {
  if (FlagParam(req, "force") && req.Query("wait_if_ongoing") == "false") {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: wait_if_ongoing must be true for a force flush;"));
  }
  auto resolved = ctx.catalog->Resolve(req.PathParam("index"));
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  int total = 0, successful = 0;
  for (const auto& index : *resolved) {
    total += index->settings().number_of_shards() * (1 + index->settings().number_of_replicas());
    successful += index->settings().number_of_shards();
    if (flush) {
      index->counters().CountFlush();
    } else {
      index->counters().CountRefresh();
    }
  }
  json::JsonWriter w;
  w.StartObject().Key("_shards").StartObject();
  w.Key("total").Int(total).Key("successful").Int(successful).Key("failed").Int(0);
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response Refresh(const ApiContext& ctx, const Request& req) {
  return RefreshOrFlush(ctx, req, false);
}
Response Flush(const ApiContext& ctx, const Request& req) { return RefreshOrFlush(ctx, req, true); }

}  // namespace

void RegisterIndexRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("PUT", "/{index}", bind(Create));
  router.Add("GET", "/{index}", bind(Get));
  router.Add("HEAD", "/{index}", bind(Exists));
  router.Add("DELETE", "/{index}", bind(Delete));
  router.Add("GET", "/{index}/_mapping", bind(GetMapping));
  router.Add("GET", "/_mapping", bind(GetMapping));
  router.Add("PUT", "/{index}/_mapping", bind(PutMapping));
  router.Add("POST", "/{index}/_mapping", bind(PutMapping));
  for (const char* method : {"POST", "GET"}) {
    router.Add(method, "/{index}/_refresh", bind(Refresh), {.pool = http::Pool::kWrite});
    router.Add(method, "/_refresh", bind(Refresh), {.pool = http::Pool::kWrite});
    router.Add(method, "/{index}/_flush", bind(Flush), {.pool = http::Pool::kWrite});
    router.Add(method, "/_flush", bind(Flush), {.pool = http::Pool::kWrite});
  }
}

}  // namespace sluice::api
