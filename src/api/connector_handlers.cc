// Connector API (ml-commons' shapes, over ml::ConnectorStore):
//
//   POST   /_plugins/_ml/connectors/_create      200 {"connector_id":"<id>"}
//   GET    /_plugins/_ml/connectors/{id}          200 the connector, never its credential;
//                                                 404 status_exception "Failed to find
//                                                 connector with the provided connector id: <id>"
//   PUT    /_plugins/_ml/connectors/{id}          200 the update-document response of
//                                                 ".plugins-ml-connector" ("result":"updated")
//   DELETE /_plugins/_ml/connectors/{id}          200 the delete-document response
//   GET|POST /_plugins/_ml/connectors/_search     {"query":{"match_all":{}}} (or no body),
//                                                 "size" (10), "from" (0); hits from
//                                                 ".plugins-ml-connector", oldest first,
//                                                 _source without the credential. Any other
//                                                 query or key: 400 parsing_exception.
#include <rapidjson/document.h>

#include <string>

#include "api/rest_response.h"
#include "api/routes.h"
#include "json/json_writer.h"
#include "ml/connector_store.h"

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

Response GetConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  auto c = ctx.connectors->Get(std::string(req.PathParam("connector_id")));
  if (!c.ok()) return ErrorResponse(req, c.status());
  return JsonResponse(req, 200, c->json);
}

Response UpdateConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  std::string id(req.PathParam("connector_id"));
  auto version = ctx.connectors->Update(id, req.body);
  if (!version.ok()) return ErrorResponse(req, version.status());
  json::JsonWriter w;
  WriteDocResult(w, id, *version, "updated");
  return JsonResponse(req, 200, w.Take());
}

Response DeleteConnector(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  std::string id(req.PathParam("connector_id"));
  auto existing = ctx.connectors->Get(id);
  if (!existing.ok()) return ErrorResponse(req, existing.status());
  if (util::Status s = ctx.connectors->Delete(id); !s.ok()) return ErrorResponse(req, s);
  json::JsonWriter w;
  WriteDocResult(w, id, existing->version + 1, "deleted");
  return JsonResponse(req, 200, w.Take());
}

util::Result<int64_t> Count(const rapidjson::Value& v, const char* name) {
  if (!v.IsInt64() || v.GetInt64() < 0) {
    return util::ParsingError("[" + std::string(name) + "] must be a non-negative integer");
  }
  return v.GetInt64();
}

Response SearchConnectors(const ApiContext& ctx, const Request& req) {
  if (ctx.connectors == nullptr) return ErrorResponse(req, NoConnectors());
  int64_t size = 10;
  int64_t from = 0;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return ErrorResponse(req, util::ParsingError("Expected [START_OBJECT] but found [VALUE]"));
    }
    for (const auto& m : doc.GetObject()) {
      std::string key = m.name.GetString();
      util::Status bad;
      if (key == "query") {
        if (!m.value.IsObject() || m.value.MemberCount() != 1 ||
            std::string(m.value.MemberBegin()->name.GetString()) != "match_all") {
          bad = util::ParsingError("the connector search supports only the match_all query");
        }
      } else if (key == "size" || key == "from") {
        auto n = Count(m.value, key.c_str());
        if (!n.ok()) {
          bad = n.status();
        } else {
          (key == "size" ? size : from) = *n;
        }
      } else {
        bad = util::ParsingError("[" + key + "] is not supported by the connector search");
      }
      if (!bad.ok()) return ErrorResponse(req, bad);
    }
  }
  auto all = ctx.connectors->List();
  if (!all.ok()) return ErrorResponse(req, all.status());
  int64_t total = static_cast<int64_t>(all->size());
  int64_t begin = std::min(from, total);
  int64_t end = std::min(total, begin + std::min(size, total));
  json::JsonWriter w;
  w.StartObject().Key("took").Int(0).Key("timed_out").Bool(false);
  w.Key("_shards").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject();
  w.Key("hits").StartObject();
  w.Key("total").StartObject().Key("value").Int(total).Key("relation").String("eq").EndObject();
  w.Key("max_score");
  if (begin < end) {
    w.Double(1.0);
  } else {
    w.Null();
  }
  w.Key("hits").StartArray();
  for (int64_t i = begin; i < end; ++i) {
    const auto& c = (*all)[static_cast<size_t>(i)];
    w.StartObject().Key("_index").String(ml::kConnectorIndex).Key("_id").String(c.id);
    w.Key("_version").Int(c.version).Key("_seq_no").Int(c.version - 1);
    w.Key("_primary_term").Int(1).Key("_score").Double(1.0).Key("_source").Raw(c.json);
    w.EndObject();
  }
  w.EndArray().EndObject().EndObject();
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
