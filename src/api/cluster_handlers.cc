// GET /, /_cluster/health (the _cat tables are in cat_handlers.cc).
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

Response Info(const ApiContext& ctx, const Request& req) {
  json::JsonWriter w;
  w.StartObject();
  w.Key("name").String(ctx.node.node_name);
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("cluster_uuid").String(ctx.node.cluster_uuid);
  w.Key("version").StartObject();
  w.Key("distribution").String("opensearch");
  w.Key("number").String(ctx.node.version);
  w.Key("build_type").String("sluice");
  w.Key("build_hash").String("unknown");
  w.Key("build_date").String("2026-11-25T00:00:00.000000000Z");
  w.Key("build_snapshot").Bool(false);
  w.Key("lucene_version").String("9.12.1");
  w.Key("minimum_wire_compatibility_version").String("7.10.0");
  w.Key("minimum_index_compatibility_version").String("7.0.0");
  w.EndObject();
  w.Key("tagline").String("The OpenSearch Project: https://opensearch.org/");
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response Health(const ApiContext& ctx, const Request& req) {
  auto indices = ctx.catalog->List();
  if (auto name = req.PathParam("index"); !name.empty()) {
    auto resolved = ctx.catalog->Resolve(name);
    if (!resolved.ok()) return ErrorResponse(req, resolved.status());
    indices = *resolved;
  }
  int primaries = 0, unassigned = 0;
  for (const auto& index : indices) {
    primaries += index->settings().number_of_shards();
    unassigned += index->settings().number_of_shards() * index->settings().number_of_replicas();
  }
  // A single node never allocates replicas: yellow when any are configured.
  std::string status = unassigned > 0 ? "yellow" : "green";
  bool timed_out = req.Query("wait_for_status") == std::optional<std::string_view>("green") &&
                   status != "green";
  json::JsonWriter w;
  w.StartObject();
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("status").String(status);
  w.Key("timed_out").Bool(timed_out);
  w.Key("number_of_nodes").Int(1);
  w.Key("number_of_data_nodes").Int(1);
  w.Key("discovered_master").Bool(true);
  w.Key("discovered_cluster_manager").Bool(true);
  w.Key("active_primary_shards").Int(primaries);
  w.Key("active_shards").Int(primaries);
  w.Key("relocating_shards").Int(0);
  w.Key("initializing_shards").Int(0);
  w.Key("unassigned_shards").Int(unassigned);
  w.Key("delayed_unassigned_shards").Int(0);
  w.Key("number_of_pending_tasks").Int(0);
  w.Key("number_of_in_flight_fetch").Int(0);
  w.Key("task_max_waiting_in_queue_millis").Int(0);
  int total = primaries + unassigned;
  w.Key("active_shards_percent_as_number").Double(total == 0 ? 100.0 : 100.0 * primaries / total);
  w.EndObject();
  return JsonResponse(req, timed_out ? 408 : 200, w.Take());
}

}  // namespace

void RegisterClusterRoutes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.Add("GET", "/", [c](const Request& r) { return Info(*c, r); });
  router.Add("HEAD", "/", [](const Request&) { return Response{200, "application/json; charset=UTF-8", "", {}}; });
  router.Add("GET", "/_cluster/health", [c](const Request& r) { return Health(*c, r); });
  router.Add("GET", "/_cluster/health/{index}", [c](const Request& r) { return Health(*c, r); });
}

}  // namespace sluice::api
