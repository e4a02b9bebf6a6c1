// _search and _count.
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
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

// URL parameters override the body, as in OpenSearch.
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
  if (req.HasQuery("q")) {
    return util::InvalidArgument("query string search (?q=) is not supported by sluice yet");
  }
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
  return util::Status::Ok();
}

Response Search(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  auto request = search::ParseSearchRequest(req.body);
  if (!request.ok()) return ErrorResponse(req, request.status());
  if (util::Status s = ApplyParams(req, &*request); !s.ok()) return ErrorResponse(req, s);
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  auto result = search::ExecuteSearch(*request, *targets);
  if (!result.ok()) return ErrorResponse(req, result.status());
  json::JsonWriter w;
  w.StartObject();
  w.Key("took").Int(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  w.Key("timed_out").Bool(false);
  int shards = static_cast<int>(targets->size());
  w.Key("_shards").StartObject().Key("total").Int(shards).Key("successful").Int(shards);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject();
  w.Key("hits").StartObject();
  if (FlagParam(req, "rest_total_hits_as_int")) {
    if (result->total_tracked)
      w.Key("total").Uint(result->total);
    else
      w.Key("total").Int(-1);
  } else if (result->total_tracked) {
    w.Key("total").StartObject().Key("value").Uint(result->total);
    w.Key("relation").String(result->total_is_lower_bound ? "gte" : "eq").EndObject();
  }
  w.Key("max_score");
  if (result->max_score) w.Float(*result->max_score);
  else w.Null();
  w.Key("hits").StartArray();
  for (const auto& hit : result->hits) {
    w.StartObject();
    w.Key("_index").String(hit.index).Key("_id").String(hit.id);
    if (request->version) w.Key("_version").Int(hit.version);
    if (request->seq_no_primary_term) {
      w.Key("_seq_no").Int(hit.seq_no).Key("_primary_term").Int(1);
    }
    w.Key("_score").Float(hit.score);
    if (hit.source) w.Key("_source").Raw(*hit.source);
    w.EndObject();
  }
  w.EndArray().EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response Count(const ApiContext& ctx, const Request& req) {
  auto request = search::ParseSearchRequest(req.body, /*count_only=*/true);
  if (!request.ok()) return ErrorResponse(req, request.status());
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  auto count = search::ExecuteCount(*request, *targets);
  if (!count.ok()) return ErrorResponse(req, count.status());
  int shards = static_cast<int>(targets->size());
  json::JsonWriter w;
  w.StartObject().Key("count").Uint(*count);
  w.Key("_shards").StartObject().Key("total").Int(shards).Key("successful").Int(shards);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterSearchRoutes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_search", [c](const Request& r) { return Search(*c, r); });
    router.Add(method, "/{index}/_search", [c](const Request& r) { return Search(*c, r); });
    router.Add(method, "/_count", [c](const Request& r) { return Count(*c, r); });
    router.Add(method, "/{index}/_count", [c](const Request& r) { return Count(*c, r); });
  }
}

}  // namespace sluice::api
