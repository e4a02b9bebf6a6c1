// _search and _count.
#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/search_pipeline_support.h"
#include "api/search_render.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "search/explain.h"
#include "search/query_string.h"
#include "search/search_context_store.h"
#include "search/search_request.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Result<std::vector<std::shared_ptr<index::Index>>> Targets(const ApiContext& ctx,
                                                                 const Request& req) {
  auto resolved = ctx.catalog->Resolve(req.PathParam("index"));
  if (!resolved.ok() && FlagParam(req, "ignore_unavailable")) {
    return std::vector<std::shared_ptr<index::Index>>();
  }
  return resolved;
}

// A search with "pit" runs on the point in time's frozen views; it names no
// index (the PIT does) and cannot open a scroll, as in OpenSearch.
util::Result<std::vector<std::shared_ptr<index::Index>>> PitTargets(
    const ApiContext& ctx, const Request& req, const search::SearchRequest::PitRef& pit) {
  auto invalid = [](const std::string& reason) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: " + reason + ";");
  };
  if (!req.PathParam("index").empty()) {
    return invalid(
        "[indices] cannot be used with point in time. Do not specify any index with point in "
        "time.");
  }
  if (req.HasQuery("scroll")) return invalid("using [point in time] is not allowed in a scroll context");
  if (ctx.search_contexts == nullptr) {
    return util::InvalidArgument("point in time is not available on this node");
  }
  return ctx.search_contexts->PitIndices(pit.id, pit.keep_alive_ms);
}

// URL parameters override the body, as in OpenSearch.
// ?q= (with df, default_operator) replaces the body's query, as in OpenSearch.
util::Status ApplyUriQuery(const Request& req, std::unique_ptr<search::Query>* query) {
  auto q = req.Query("q");
  if (!q) return util::Status::Ok();
  auto parsed = search::UriQuery(*q, req.Query("df").value_or(""),
                                 req.Query("default_operator").value_or(""));
  if (!parsed.ok()) return parsed.status();
  *query = std::move(*parsed);
  return util::Status::Ok();
}

util::Status ApplyParams(const Request& req, search::SearchRequest* request) {
  for (auto [name, target] : {std::pair{"size", &request->size}, std::pair{"from", &request->from}}) {
    if (auto v = req.Query(name)) {
      try {
        *target = std::stoi(std::string(*v));
      } catch (...) {
        return util::InvalidArgument("Failed to parse int parameter [" + std::string(name) +
                                     "] with value [" + std::string(*v) + "]");
      }
      if (*target < 0) {
        return util::InvalidArgument("[" + std::string(name) + "] parameter cannot be negative");
      }
    }
  }
  request->include_named_queries_score = FlagParam(req, "include_named_queries_score");
  if (auto v = req.Query("_source")) request->source = search::ParseSourceParam(*v);
  if (auto v = req.Query("_source_includes")) {
    request->source.includes = search::ParseSourceParam(*v).includes;
  }
  if (auto v = req.Query("_source_excludes")) {
    request->source.excludes = search::ParseSourceParam(*v).includes;
  }
  if (auto v = req.Query("track_total_hits")) {
    if (*v == "true") request->track_total_hits.reset();
    else if (*v == "false") request->track_total_hits = 0;
    else {
      try {
        request->track_total_hits = std::stoll(std::string(*v));
      } catch (...) {
        return util::InvalidArgument("Failed to parse [track_total_hits]");
      }
    }
  }
  if (auto v = req.Query("terminate_after")) {
    try {
      long long n = std::stoll(std::string(*v));
      if (n < 0) return util::InvalidArgument("terminateAfter must be > 0");
      if (n > 0) request->terminate_after = n;
    } catch (...) {
      return util::InvalidArgument("Failed to parse int parameter [terminate_after] with value [" +
                                   std::string(*v) + "]");
    }
  }
  request->typed_keys = FlagParam(req, "typed_keys");
  // ?rest_total_hits_as_int needs an exact total (OpenSearch's
  // RestSearchAction#checkRestTotalHits): the default 10000 bound becomes exact, another bound is
  // refused, `false` renders -1.
  if (FlagParam(req, "rest_total_hits_as_int")) {
    // The default bound (10000) counts as not given; a body asking for exactly 10000 is
    // treated the same.
    bool explicit_bound = req.HasQuery("track_total_hits") ||
                          request->track_total_hits != std::optional<int64_t>(10000);
    if (!explicit_bound) {
      request->track_total_hits.reset();
    } else if (request->track_total_hits && *request->track_total_hits != 0) {
      return util::InvalidArgument(
          "[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, "
          "got " +
          std::to_string(*request->track_total_hits));
    }
  }
  return ApplyUriQuery(req, &request->query);
}

// ?scroll=<keep-alive>: the first page of a new scroll context.
Response OpenScroll(const ApiContext& ctx, const Request& req, const search::SearchRequest& request,
                    std::vector<std::shared_ptr<index::Index>> targets, std::string_view scroll) {
  auto start = std::chrono::steady_clock::now();
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("scroll is not available on this node"));
  }
  auto keep_alive = search::ParseKeepAlive(scroll, "scroll");
  if (!keep_alive.ok()) return ErrorResponse(req, keep_alive.status());
  auto page = ctx.search_contexts->Open(request, std::move(targets), *keep_alive);
  if (!page.ok()) return ErrorResponse(req, page.status());
  return ScrollPageResponse(req, request, *page, start);
}

Response Search(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  auto request = search::ParseSearchRequest(req.body);
  if (!request.ok()) return ErrorResponse(req, request.status());
  if (util::Status s = ApplyParams(req, &*request); !s.ok()) return ErrorResponse(req, s);
  auto targets = request->pit ? PitTargets(ctx, req, *request->pit) : Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  if (util::Status s = ApplyAliasFilters(*ctx.catalog, req.PathParam("index"), &*request);
      !s.ok()) {
    return ErrorResponse(req, s);
  }
  util::Status piped = ResolveSearchPipeline(ctx, req.Query("search_pipeline"), *targets, &*request);
  if (!piped.ok()) return ErrorResponse(req, piped);
  if (auto scroll = req.Query("scroll")) return OpenScroll(ctx, req, *request, *targets, *scroll);
  auto result = search::ExecuteSearch(*request, *targets);
  if (!result.ok()) return ErrorResponse(req, result.status());
  for (const auto& index : *targets) {
    index->counters().CountSearch(request->size > 0, request->stats_groups);
  }
  SearchRenderOptions options;
  options.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  options.shards = static_cast<int>(targets->size());
  options.total_as_int = FlagParam(req, "rest_total_hits_as_int");
  if (request->pit) options.pit_id = request->pit->id;
  json::JsonWriter w;
  WriteSearchResponse(*request, *result, options, w);
  return JsonResponse(req, 200, w.Take());
}

Response Count(const ApiContext& ctx, const Request& req) {
  auto request = search::ParseSearchRequest(req.body, /*count_only=*/true);
  if (!request.ok()) return ErrorResponse(req, request.status());
  if (util::Status s = ApplyUriQuery(req, &request->query); !s.ok()) return ErrorResponse(req, s);
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  if (util::Status s = ApplyAliasFilters(*ctx.catalog, req.PathParam("index"), &*request);
      !s.ok()) {
    return ErrorResponse(req, s);
  }
  auto count = search::ExecuteCount(*request, *targets);
  if (!count.ok()) return ErrorResponse(req, count.status());
  int shards = static_cast<int>(targets->size());
  json::JsonWriter w;
  w.StartObject().Key("count").Uint(*count);
  w.Key("_shards").StartObject().Key("total").Int(shards).Key("successful").Int(shards);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

// GET|POST /<index>/_explain/<id>: how the query scores one document.
Response Explain(const ApiContext& ctx, const Request& req) {
  auto request = search::ParseSearchRequest(req.body, /*count_only=*/true);
  if (!request.ok()) return ErrorResponse(req, request.status());
  if (util::Status s = ApplyUriQuery(req, &request->query); !s.ok()) return ErrorResponse(req, s);
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos && !req.HasQuery("q")) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: query is missing;"));
  }
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  if (targets->size() != 1) {
    return ErrorResponse(req, util::InvalidArgument("[explain] needs one index"));
  }
  const index::Index& index = *(*targets)[0];
  std::string id(req.PathParam("id"));
  index::Index::ReadGuard guard(index);
  json::JsonWriter w;
  w.StartObject().Key("_index").String(index.name()).Key("_id").String(id);
  auto doc = index.Find(id);
  if (!doc) {
    w.Key("matched").Bool(false).EndObject();
    return JsonResponse(req, 404, w.Take());
  }
  auto e = search::ExplainDoc(*request->query, index, *doc);
  if (!e.ok()) return ErrorResponse(req, e.status());
  w.Key("matched").Bool(e->has_value());
  w.Key("explanation");
  if (*e) {
    search::WriteExplanation(**e, w);
  } else {
    search::WriteExplanation({0.0f, "no matching term", {}}, w);
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterSearchRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions kSearchRoute{.pool = http::Pool::kSearch};
  const ApiContext* c = &ctx;
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_search", [c](const Request& r) { return Search(*c, r); },
               kSearchRoute);
    router.Add(method, "/{index}/_search", [c](const Request& r) { return Search(*c, r); },
               kSearchRoute);
    router.Add(method, "/_count", [c](const Request& r) { return Count(*c, r); },
               kSearchRoute);
    router.Add(method, "/{index}/_count", [c](const Request& r) { return Count(*c, r); },
               kSearchRoute);
    router.Add(method, "/{index}/_explain/{id}", [c](const Request& r) { return Explain(*c, r); },
               kSearchRoute);
  }
}

}  // namespace sluice::api
