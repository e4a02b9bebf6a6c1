// Connector API (ml-commons' shapes, over ml::ConnectorStore):
//
//   POST   /_plugins/_ml/connectors/_create      200 {"connector_id":"<id>"}
//   GET    /_plugins/_ml/connectors/{id}          200 the connector, never its credential;
//                                                 404 status_exception "Failed to find
//                                                 connector with the provided connector id: <id>"
//   PUT    /_plugins/_ml/connectors/{id}          200 the update-document response of
//                                                 ".plugins-ml-connector" ("result":"updated")
//   DELETE /_plugins/_ml/connectors/{id}          200 the delete-document response; 409
//                                                 status_exception while models use it
//   GET|POST /_plugins/_ml/connectors/_search     {"query":{"match_all":{}}} (or no body),
//                                                 "size" (10), "from" (0); hits from
//                                                 ".plugins-ml-connector", oldest first,
//                                                 _source without the credential. Any other
//                                                 query or key: 400 parsing_exception.
// A model's inline connector (ModelStore) is not served by these routes: 404, not listed.
#include <rapidjson/document.h>

#include <string>

#include "api/record_search.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "json/json_writer.h"
#include "ml/connector_store.h"
#include "ml/model_store.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Status NoConnectors() { return util::Internal("connectors are not configured"); }

void WriteDocResult(json::JsonWriter& w, std::string_view id, int64_t version,
                    std::string_view result) {
  w.StartObject().Key("_index").String(ml::kConnectorIndex).Key("_id").String(id);
  w.Key("_version").Int(version).Key("result").String(result);
  w.Key("_shards").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("failed").Int(0).EndObject();
  w.Key("_seq_no").Int(version - 1).Key("_primary_term").Int(1).EndObject();
}

Response CreateConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  auto id = ctx.connectors->Create(req.body);
  if (!id.ok()) return ErrorResponse(req, id.status());
  json::JsonWriter w;
  w.StartObject().Key("connector_id").String(*id).EndObject();
  return JsonResponse(req, 200, w.Take());
}

// A standalone connector (an inline one of a model is not found here).
util::Result<ml::StoredConnector> Standalone(const ApiContext& ctx, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(ml::StoredConnector c, ctx.connectors->Get(id));
  if (!c.model_id.empty()) {
    return util::Status(util::Code::kNotFound, "status_exception",
                        "Failed to find connector with the provided connector id: " + id);
  }
  return c;
}

Response GetConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  auto c = Standalone(ctx, std::string(req.PathParam("connector_id")));
  if (!c.ok()) return ErrorResponse(req, c.status());
  return JsonResponse(req, 200, c->json);
}

Response UpdateConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  std::string id(req.PathParam("connector_id"));
  if (auto c = Standalone(ctx, id); !c.ok()) return ErrorResponse(req, c.status());
  auto version = ctx.connectors->Update(id, req.body);
  if (!version.ok()) return ErrorResponse(req, version.status());
  json::JsonWriter w;
  WriteDocResult(w, id, *version, "updated");
  return JsonResponse(req, 200, w.Take());
}

Response DeleteConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  std::string id(req.PathParam("connector_id"));
  auto existing = Standalone(ctx, id);
  if (!existing.ok()) return ErrorResponse(req, existing.status());
  if (ctx.models != nullptr) {
    auto models = ctx.models->List();
    if (!models.ok()) return ErrorResponse(req, models.status());
    std::string users;
    size_t n = 0;
    for (const auto& m : *models) {
      if (m.connector_id != id) continue;
      users += (n++ == 0 ? "" : ", ") + m.id;
    }
    if (n > 0) {
      // ml-commons' message and status (TransportDeleteConnectorAction).
      return ErrorResponse(
          req, util::Status(util::Code::kConflict, "status_exception",
                            std::to_string(n) +
                                " models are still using this connector, please delete or "
                                "update the models first: [" +
                                users + "]"));
    }
  }
  if (util::Status s = ctx.connectors->Delete(id); !s.ok()) return ErrorResponse(req, s);
  json::JsonWriter w;
  WriteDocResult(w, id, existing->version + 1, "deleted");
  return JsonResponse(req, 200, w.Take());
}

Response SearchConnectors(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  auto page = ParseMatchAllPage(req.body, "connector");
  if (!page.ok()) return ErrorResponse(req, page.status());
  auto all = ctx.connectors->List();
  if (!all.ok()) return ErrorResponse(req, all.status());
  json::JsonWriter w;
  WriteRecordSearch(w, 0, static_cast<int64_t>(all->size()), page->from, page->size,
                    [&](size_t i, json::JsonWriter& hit) {
                      const auto& c = (*all)[i];
                      hit.Key("_index").String(ml::kConnectorIndex).Key("_id").String(c.id);
                      hit.Key("_version").Int(c.version).Key("_seq_no").Int(c.version - 1);
                      hit.Key("_primary_term").Int(1).Key("_score").Double(1.0);
                      hit.Key("_source").Raw(c.json);
                    });
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterConnectorRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("POST", "/_plugins/_ml/connectors/_create", bind(CreateConnector));
  router.Add("GET", "/_plugins/_ml/connectors/_search", bind(SearchConnectors));
  router.Add("POST", "/_plugins/_ml/connectors/_search", bind(SearchConnectors));
  router.Add("GET", "/_plugins/_ml/connectors/{connector_id}", bind(GetConnector));
  router.Add("PUT", "/_plugins/_ml/connectors/{connector_id}", bind(UpdateConnector));
  router.Add("DELETE", "/_plugins/_ml/connectors/{connector_id}", bind(DeleteConnector));
}

}  // namespace sluice::api
