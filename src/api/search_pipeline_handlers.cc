// PUT|GET|DELETE /_search/pipeline[/<id>]: search pipelines (see
// search/search_pipeline.h), and the choice of a search's pipeline.
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/search_pipeline_support.h"
#include "json/json_writer.h"
#include "search/search_pipeline.h"
#include "util/split.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Status Unavailable() {
  return util::InvalidArgument("search pipelines are not available on this node");
}

Response Put(const ApiContext& ctx, const Request& req) {
  if (ctx.search_pipelines == nullptr) return ErrorResponse(req, Unavailable());
  std::string id(req.PathParam("id"));
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return ErrorResponse(req, util::ParseError("request body is required"));
  }
  if (util::Status s = ctx.search_pipelines->Put(id, req.body); !s.ok()) {
    return ErrorResponse(req, s);
  }
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response Get(const ApiContext& ctx, const Request& req) {
  if (ctx.search_pipelines == nullptr) return ErrorResponse(req, Unavailable());
  auto found = ctx.search_pipelines->Find(util::SplitNonEmpty(req.PathParam("id")));
  std::string body = "{";
  for (size_t i = 0; i < found.size(); ++i) {
    json::JsonWriter key;
    key.String(found[i]->id);
    body += (i ? "," : "") + key.Take() + ":" + found[i]->body;
  }
  body += "}";
  // OpenSearch answers 404 with an empty object when nothing matched.
  return JsonResponse(req, found.empty() ? 404 : 200, std::move(body));
}

Response Delete(const ApiContext& ctx, const Request& req) {
  if (ctx.search_pipelines == nullptr) return ErrorResponse(req, Unavailable());
  std::string id(req.PathParam("id"));
  auto matched = ctx.search_pipelines->Find({id});
  if (matched.empty()) {
    return ErrorResponse(
        req, util::NotFound("resource_not_found_exception", "pipeline [" + id + "] is missing"));
  }
  for (const auto& p : matched) {
    auto deleted = ctx.search_pipelines->Delete(p->id);
    if (!deleted.ok()) return ErrorResponse(req, deleted.status());
  }
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

}  // namespace

util::Status ResolveSearchPipeline(const ApiContext& ctx, std::optional<std::string_view> param,
                                   const std::vector<std::shared_ptr<index::Index>>& targets,
                                   search::SearchRequest* request) {
  if (request->pipeline) return util::Status::Ok();  // defined inline in the body
  std::optional<std::string> name;
  if (param) {
    name = std::string(*param);
  } else if (request->pipeline_name) {
    name = request->pipeline_name;
  } else if (targets.size() == 1) {
    const auto& flat = targets[0]->settings().flat();
    auto it = flat.find("index.search.default_pipeline");
    if (it != flat.end()) name = it->second;
  }
  if (!name || name->empty() || *name == "_none") return util::Status::Ok();
  if (ctx.search_pipelines != nullptr) request->pipeline = ctx.search_pipelines->Get(*name);
  if (!request->pipeline) return util::InvalidArgument("Pipeline " + *name + " is not defined");
  return util::Status::Ok();
}

void RegisterSearchPipelineRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("PUT", "/_search/pipeline/{id}", BindHandler(ctx, Put));
  router.Add("GET", "/_search/pipeline", BindHandler(ctx, Get));
  router.Add("GET", "/_search/pipeline/{id}", BindHandler(ctx, Get));
  router.Add("DELETE", "/_search/pipeline/{id}", BindHandler(ctx, Delete));
}

}  // namespace sluice::api
