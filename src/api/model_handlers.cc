// Model and batch-predict API (ml-commons' shapes, over ml::ModelStore and
// ml::BatchPredictService):
//
//   POST   /_plugins/_ml/models/_register          200 {"task_id","status":"CREATED","model_id"}
//                                                  (the REGISTER_MODEL task completes at once);
//                                                  a connector_id or an inline connector;
//                                                  ?deploy=true: the model is DEPLOYED at once
//   GET    /_plugins/_ml/models/{id}               200 the model; 404 status_exception
//                                                  "Failed to find model"
//   DELETE /_plugins/_ml/models/{id}               200 the delete-document response of
//                                                  ".plugins-ml-model"; 400 while DEPLOYED
//   GET|POST /_plugins/_ml/models/_search          match_all (or no body), size (10), from (0)
//   POST   /_plugins/_ml/models/{id}/_deploy       200 {"task_id","task_type":"DEPLOY_MODEL",
//                                                  "status":"COMPLETED"}
//   POST   /_plugins/_ml/models/{id}/_undeploy     200 {"<node id>":{"stats":{"<id>":"UNDEPLOYED"}}}
//   POST   /_plugins/_ml/models/{id}/_batch_predict 200 {"task_id","status":"CREATED"}
//   POST   /_plugins/_ml/tasks/{id}/_cancel_batch  200 {"status":"OK"} once the provider
//                                                  accepted the cancellation
#include <rapidjson/document.h>

#include <string>

#include "api/node_identity.h"
#include "api/record_search.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/security_filter.h"
#include "json/json_writer.h"
#include "ml/batch_predict.h"
#include "ml/model_store.h"
#include "tasks/task_manager.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Status NoModels() { return util::Internal("models are not configured"); }

// A job that has nothing left to do: remote models are registered and
// deployed by the request itself.
class DoneJob : public tasks::TaskJob {
 public:
  util::Status Run(tasks::TaskContext&) override { return util::Status::Ok(); }
};

// OpenSearch's paramAsBoolean: absent = false, present without a value = true.
util::Result<bool> BoolParam(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v) return false;
  if (v->empty() || *v == "true") return true;
  if (*v == "false") return false;
  return util::InvalidArgument("Failed to parse value [" + std::string(*v) +
                               "] as only [true] or [false] are allowed.");
}

Response RegisterModel(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  auto deploy = BoolParam(req, "deploy");
  if (!deploy.ok()) return ErrorResponse(req, deploy.status());
  auto id = ctx.models->Register(req.body, *deploy);
  if (!id.ok()) return ErrorResponse(req, id.status());
  auto task = ctx.tasks->Submit("REGISTER_MODEL", "{\"model_id\":\"" + *id + "\"}",
                                std::make_unique<DoneJob>(), req.user);
  if (!task.ok()) return ErrorResponse(req, task.status());
  json::JsonWriter w;
  w.StartObject().Key("task_id").String(*task).Key("status").String("CREATED");
  w.Key("model_id").String(*id).EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response GetModel(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  auto m = ctx.models->Get(std::string(req.PathParam("model_id")));
  if (!m.ok()) return ErrorResponse(req, m.status());
  return JsonResponse(req, 200, m->json);
}

Response DeleteModel(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  std::string id(req.PathParam("model_id"));
  auto existing = ctx.models->Get(id);
  if (!existing.ok()) return ErrorResponse(req, existing.status());
  if (util::Status s = ctx.models->Delete(id); !s.ok()) return ErrorResponse(req, s);
  json::JsonWriter w;
  w.StartObject().Key("_index").String(ml::kModelIndex).Key("_id").String(id);
  w.Key("_version").Int(existing->version + 1).Key("result").String("deleted");
  w.Key("_shards").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("failed").Int(0).EndObject();
  w.Key("_seq_no").Int(existing->version).Key("_primary_term").Int(1).EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response DeployModel(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  std::string id(req.PathParam("model_id"));
  if (util::Status s = ctx.models->SetState(id, "DEPLOYED"); !s.ok()) return ErrorResponse(req, s);
  auto task = ctx.tasks->Submit("DEPLOY_MODEL", "{\"model_id\":\"" + id + "\"}",
                                std::make_unique<DoneJob>(), req.user);
  if (!task.ok()) return ErrorResponse(req, task.status());
  json::JsonWriter w;
  w.StartObject().Key("task_id").String(*task).Key("task_type").String("DEPLOY_MODEL");
  w.Key("status").String("COMPLETED").EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response UndeployModel(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  std::string id(req.PathParam("model_id"));
  if (util::Status s = ctx.models->SetState(id, "UNDEPLOYED"); !s.ok()) {
    return ErrorResponse(req, s);
  }
  json::JsonWriter w;
  w.StartObject().Key(NodeId(ctx.node)).StartObject().Key("stats").StartObject();
  w.Key(id).String("UNDEPLOYED").EndObject().EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response SearchModels(const ApiContext& ctx, const Request& req) {
  if (ctx.models == nullptr) return ErrorResponse(req, NoModels());
  auto page = ParseMatchAllPage(req.body, "model");
  if (!page.ok()) return ErrorResponse(req, page.status());
  auto all = ctx.models->List();
  if (!all.ok()) return ErrorResponse(req, all.status());
  json::JsonWriter w;
  WriteRecordSearch(w, 0, static_cast<int64_t>(all->size()), page->from, page->size,
                    [&](size_t i, json::JsonWriter& hit) {
                      const auto& m = (*all)[i];
                      hit.Key("_index").String(ml::kModelIndex).Key("_id").String(m.id);
                      hit.Key("_version").Int(m.version).Key("_seq_no").Int(m.version - 1);
                      hit.Key("_primary_term").Int(1).Key("_score").Double(1.0);
                      hit.Key("_source").Raw(m.json);
                    });
  return JsonResponse(req, 200, w.Take());
}

Response BatchPredict(const ApiContext& ctx, const Request& req) {
  if (ctx.batch_predict == nullptr) return ErrorResponse(req, NoModels());
  auto task = ctx.batch_predict->Submit(std::string(req.PathParam("model_id")), req.body, req.user);
  if (!task.ok()) return ErrorResponse(req, task.status());
  json::JsonWriter w;
  w.StartObject().Key("task_id").String(*task).Key("status").String("CREATED").EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response CancelBatch(const ApiContext& ctx, const Request& req) {
  if (ctx.batch_predict == nullptr) return ErrorResponse(req, NoModels());
  auto record = ctx.tasks->Get(req.PathParam("task_id"));
  if (!record.ok()) return ErrorResponse(req, record.status());
  if (!MayAccessTask(ctx, req, record->owner)) {
    return ErrorResponse(
        req, util::Status(util::Code::kNotFound, "status_exception", "Failed to find task"));
  }
  if (util::Status s = ctx.batch_predict->CancelBatch(*record); !s.ok()) {
    return ErrorResponse(req, s);
  }
  return JsonResponse(req, 200, "{\"status\":\"OK\"}");
}

}  // namespace

void RegisterModelRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("POST", "/_plugins/_ml/models/_register", bind(RegisterModel));
  router.Add("GET", "/_plugins/_ml/models/_search", bind(SearchModels));
  router.Add("POST", "/_plugins/_ml/models/_search", bind(SearchModels));
  router.Add("GET", "/_plugins/_ml/models/{model_id}", bind(GetModel));
  router.Add("DELETE", "/_plugins/_ml/models/{model_id}", bind(DeleteModel));
  router.Add("POST", "/_plugins/_ml/models/{model_id}/_deploy", bind(DeployModel));
  router.Add("POST", "/_plugins/_ml/models/{model_id}/_undeploy", bind(UndeployModel));
  router.Add("POST", "/_plugins/_ml/models/{model_id}/_batch_predict", bind(BatchPredict));
  router.Add("POST", "/_plugins/_ml/tasks/{task_id}/_cancel_batch", bind(CancelBatch));
}

}  // namespace sluice::api
