// POST /<index>/_delete_by_query, /<index>/_update_by_query, /_reindex
// (api/by_query.h), and GET /_tasks/<task_id> for the ones run with
// wait_for_completion=false. Those run as tasks of the TaskManager; their
// task id is "<node name>:<task id>", as OpenSearch's "nodeId:number".
#include <rapidjson/document.h>

#include "api/by_query.h"
#include "api/handler_support.h"
#include "api/node_identity.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "tasks/task_manager.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

class ByQueryJob : public tasks::TaskJob {
 public:
  ByQueryJob(index::Catalog* catalog, ByQueryRequest request)
      : catalog_(catalog), request_(std::move(request)) {}
  util::Status Run(tasks::TaskContext& context) override {
    auto result = RunByQuery(*catalog_, request_, [&context] { return context.cancelled(); });
    if (!result.ok()) return result.status();
    json::JsonWriter w;
    w.StartObject().Key("action").String(ByQueryAction(request_.kind));
    w.Key("status").Raw(result->StatusJson()).Key("response").Raw(result->ToJson()).EndObject();
    context.SetProgress(1.0f, w.Take());
    return util::Status::Ok();
  }

 private:
  index::Catalog* const catalog_;
  const ByQueryRequest request_;
};

Response Run(const ApiContext& ctx, const Request& req, ByQueryKind kind) {
  if (kind == ByQueryKind::kReindex && req.body.empty()) return ErrorResponse(req, BodyRequired());
  auto parsed = ParseByQuery(kind, req.PathParam("index"), req.body, req.Query("conflicts"),
                             req.Query("max_docs"), req.Query("scroll_size"), req.Query("q"));
  if (!parsed.ok()) return ErrorResponse(req, parsed.status());
  if (kind != ByQueryKind::kReindex) {
    // Missing or closed indices are refused before anything runs.
    auto targets = ctx.catalog->Resolve(parsed->source_indices);
    if (!targets.ok()) return ErrorResponse(req, targets.status());
  }
  if (req.Query("wait_for_completion") == "false") {
    if (ctx.tasks == nullptr) {
      return ErrorResponse(req, util::InvalidArgument("wait_for_completion=false needs tasks"));
    }
    std::string_view action = ByQueryAction(kind);
    auto id = ctx.tasks->Submit(std::string(action), req.body.empty() ? "{}" : req.body,
                                std::make_unique<ByQueryJob>(ctx.catalog, std::move(*parsed)));
    if (!id.ok()) return ErrorResponse(req, id.status());
    json::JsonWriter w;
    w.StartObject().Key("task").String(ctx.node.node_name + ":" + *id).EndObject();
    return JsonResponse(req, 200, w.Take());
  }
  auto result = RunByQuery(*ctx.catalog, *parsed, {});
  if (!result.ok()) return ErrorResponse(req, result.status());
  int status = result->failure_status == 0 ? 200 : result->failure_status;
  return JsonResponse(req, status, result->ToJson());
}

Response DeleteByQuery(const ApiContext& c, const Request& r) {
  return Run(c, r, ByQueryKind::kDelete);
}
Response UpdateByQuery(const ApiContext& c, const Request& r) {
  return Run(c, r, ByQueryKind::kUpdate);
}
Response Reindex(const ApiContext& c, const Request& r) { return Run(c, r, ByQueryKind::kReindex); }

// GET /_tasks/<node>:<id>: {"completed":..,"task":{..},"response":{..}}.
Response GetTask(const ApiContext& ctx, const Request& req) {
  std::string_view full = req.PathParam("task_id");
  size_t colon = full.find(':');
  if (colon == std::string_view::npos) {
    return ErrorResponse(req, util::InvalidArgument("malformed task id " + std::string(full)));
  }
  std::string_view node = full.substr(0, colon);
  std::string_view id = full.substr(colon + 1);
  if (node != ctx.node.node_name && node != NodeId(ctx.node)) {
    return ErrorResponse(req, util::NotFound("resource_not_found_exception",
                                             "task [" + std::string(full) +
                                                 "] belongs to the node [" + std::string(node) +
                                                 "] which isn't part of the cluster and there is "
                                                 "no record of the task"));
  }
  auto record = ctx.tasks == nullptr ? util::Result<tasks::TaskRecord>(util::NotFound(
                                           "resource_not_found_exception", "task not found"))
                                     : ctx.tasks->Get(id);
  if (!record.ok() || record->task_type.rfind("indices:data/write/", 0) != 0) {
    return ErrorResponse(req, util::NotFound("resource_not_found_exception",
                                             "task [" + std::string(full) +
                                                 "] isn't running and hasn't stored its results"));
  }
  bool completed =
      record->state != tasks::TaskState::kCreated && record->state != tasks::TaskState::kRunning;
  json::JsonWriter w;
  w.StartObject().Key("completed").Bool(completed).Key("task").StartObject();
  w.Key("node").String(ctx.node.node_name).Key("id").String(id);
  w.Key("type").String("transport").Key("action").String(record->task_type);
  // The status object: {"action":..,"status":{..},"response":{..}} once done.
  rapidjson::Document progress;
  progress.Parse(record->ingest_status_json.data(), record->ingest_status_json.size());
  auto member = [&progress](const char* key) -> std::string {
    if (progress.HasParseError() || !progress.IsObject() || !progress.HasMember(key)) return "";
    return json::ValueText(progress[key]);
  };
  std::string status = member("status");
  if (!status.empty()) w.Key("status").Raw(status);
  w.Key("description").String(record->task_type);
  w.Key("start_time_in_millis").Int(record->create_time);
  w.Key("running_time_in_nanos").Int((record->last_update_time - record->create_time) * 1000000);
  w.Key("cancellable")
      .Bool(true)
      .Key("cancelled")
      .Bool(record->state == tasks::TaskState::kCancelled);
  w.Key("headers").StartObject().EndObject().EndObject();
  std::string response = member("response");
  if (!response.empty()) {
    w.Key("response").Raw(response);
  } else if (record->error) {
    w.Key("error").StartObject().Key("type").String("exception");
    w.Key("reason").String(*record->error).EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterByQueryRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("POST", "/{index}/_delete_by_query", bind(DeleteByQuery),
             {.pool = http::Pool::kWrite});
  router.Add("POST", "/{index}/_update_by_query", bind(UpdateByQuery),
             {.pool = http::Pool::kWrite});
  router.Add("POST", "/_reindex", bind(Reindex), {.pool = http::Pool::kWrite});
  router.Add("GET", "/_tasks/{task_id}", bind(GetTask));
}

}  // namespace sluice::api
