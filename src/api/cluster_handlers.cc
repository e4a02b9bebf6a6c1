// GET /, /_cluster/health (the _cat tables are in cat_handlers.cc).
#include <optional>
#include <string_view>

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

// ?wait_for_nodes=N, >=N, <=N, >N, <N, ge(N), le(N), gt(N), lt(N) against `nodes`;
// nullopt when the expression is not one of those.
std::optional<bool> NodesSatisfy(std::string_view expr, int nodes) {
  auto number = [](std::string_view t) -> std::optional<int> {
    if (t.empty()) return std::nullopt;
    int v = 0;
    for (char c : t) {
      if (c < '0' || c > '9' || v > 100000) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  struct Op {
    std::string_view prefix, suffix;
    int kind;  // 0 ==, 1 >=, 2 <=, 3 >, 4 <
  };
  static constexpr Op kOps[] = {{">=", "", 1},   {"<=", "", 2},   {">", "", 3},
                                {"<", "", 4},    {"ge(", ")", 1}, {"le(", ")", 2},
                                {"gt(", ")", 3}, {"lt(", ")", 4}, {"", "", 0}};
  for (const Op& op : kOps) {
    if (expr.substr(0, op.prefix.size()) != op.prefix) continue;
    std::string_view rest = expr.substr(op.prefix.size());
    if (rest.size() < op.suffix.size() ||
        rest.substr(rest.size() - op.suffix.size()) != op.suffix) {
      continue;
    }
    auto n = number(rest.substr(0, rest.size() - op.suffix.size()));
    if (!n) return std::nullopt;
    switch (op.kind) {
      case 1:
        return nodes >= *n;
      case 2:
        return nodes <= *n;
      case 3:
        return nodes > *n;
      case 4:
        return nodes < *n;
      default:
        return nodes == *n;
    }
  }
  return std::nullopt;
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
  // Nothing changes by waiting on a single node: a condition not met now is a timeout (408).
  bool timed_out = req.Query("wait_for_status") == std::optional<std::string_view>("green") &&
                   status != "green";
  if (auto nodes = req.Query("wait_for_nodes"); nodes && !nodes->empty()) {
    auto ok = NodesSatisfy(*nodes, 1);
    if (!ok) {
      return ErrorResponse(
          req, util::InvalidArgument("cannot parse wait_for_nodes [" + std::string(*nodes) + "]"));
    }
    timed_out = timed_out || !*ok;
  }
  if (auto shards = req.Query("wait_for_active_shards"); shards && !shards->empty()) {
    if (*shards == "all") {
      timed_out = timed_out || unassigned > 0;
    } else {
      int wanted = 0;
      for (char c : *shards) {
        if (c < '0' || c > '9' || wanted > 1000000) {
          return ErrorResponse(req, util::InvalidArgument("Failed to parse int parameter "
                                                          "[wait_for_active_shards] with value [" +
                                                          std::string(*shards) + "]"));
        }
        wanted = wanted * 10 + (c - '0');
      }
      timed_out = timed_out || wanted > primaries;
    }
  }
  std::string_view level = req.Query("level").value_or("cluster");
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
  if (level == "indices" || level == "shards") {
    w.Key("indices").StartObject();
    for (const auto& index : indices) {
      int shards = index->settings().number_of_shards();
      int replicas = index->settings().number_of_replicas();
      std::string_view index_status = replicas > 0 ? "yellow" : "green";
      w.Key(index->name()).StartObject();
      w.Key("status").String(index_status);
      w.Key("number_of_shards").Int(shards).Key("number_of_replicas").Int(replicas);
      w.Key("active_primary_shards").Int(shards).Key("active_shards").Int(shards);
      w.Key("relocating_shards").Int(0).Key("initializing_shards").Int(0);
      w.Key("unassigned_shards").Int(shards * replicas);
      if (level == "shards") {
        w.Key("shards").StartObject();
        for (int s = 0; s < shards; ++s) {
          w.Key(std::to_string(s)).StartObject();
          w.Key("status").String(index_status).Key("primary_active").Bool(true);
          w.Key("active_shards").Int(1).Key("relocating_shards").Int(0);
          w.Key("initializing_shards").Int(0).Key("unassigned_shards").Int(replicas);
          w.EndObject();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
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
