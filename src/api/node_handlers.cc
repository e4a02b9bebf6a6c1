// GET /_nodes[/{node_id}][/{metric}]: the one node of a sluice "cluster", with
// what sluice can say truthfully (identity, version, roles, the HTTP address
// the client used). Sections sluice has nothing to report for (jvm,
// thread_pool, transport, ...) are left out rather than invented.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "api/node_identity.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "index/index.h"
#include "index/knn_breaker.h"
#include "json/json_writer.h"
#include "util/split.h"
#include "vector/vector_index.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

constexpr std::array<std::string_view, 13> kMetrics = {
    "_all", "settings", "os",     "process",      "jvm",     "thread_pool",     "transport",
    "http", "plugins",  "ingest", "aggregations", "indices", "search_pipelines"};

bool AllMetrics(const std::vector<std::string>& parts) {
  if (parts.empty()) return false;
  for (const auto& p : parts) {
    bool known = false;
    for (auto m : kMetrics) known = known || m == p;
    if (!known) return false;
  }
  return true;
}

bool NodeSelected(const std::vector<std::string>& selectors, const NodeInfo& node,
                  const std::string& id) {
  if (selectors.empty()) return true;
  for (const auto& s : selectors) {
    if (s == "_all" || s == "*" || s == "_local" || s == "_master" || s == "_cluster_manager" ||
        s == id || s == node.node_name) {
      return true;
    }
  }
  return false;
}

Response NodesInfo(const ApiContext& ctx, const Request& req) {
  std::vector<std::string> nodes = util::SplitNonEmpty(req.PathParam("node_id"));
  std::vector<std::string> metrics = util::SplitNonEmpty(req.PathParam("metric"));
  // /_nodes/{x}: a list of metrics when every part is one, else node ids (RestNodesInfoAction).
  if (metrics.empty() && AllMetrics(nodes)) std::swap(nodes, metrics);
  if (!metrics.empty() && !AllMetrics(metrics)) {
    for (const auto& m : metrics) {
      if (!AllMetrics({m})) {
        return ErrorResponse(req,
                             util::InvalidArgument("request [" + req.path +
                                                   "] contains unrecognized metric: [" + m + "]"));
      }
    }
  }
  auto wanted = [&](std::string_view m) {
    if (metrics.empty()) return true;
    for (const auto& x : metrics) {
      if (x == "_all" || x == m) return true;
    }
    return false;
  };
  const std::string id = NodeId(ctx.node);
  bool selected = NodeSelected(nodes, ctx.node, id);
  // The address the client reached this node at.
  std::string address = RequestAddress(req);
  std::string host = RequestHost(req);

  json::JsonWriter w;
  w.StartObject();
  w.Key("_nodes").StartObject().Key("total").Int(selected ? 1 : 0);
  w.Key("successful").Int(selected ? 1 : 0).Key("failed").Int(0).EndObject();
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("nodes").StartObject();
  if (selected) {
    w.Key(id).StartObject();
    w.Key("name").String(ctx.node.node_name);
    w.Key("host").String(host);
    w.Key("version").String(ctx.node.version);
    w.Key("build_type").String("sluice");
    w.Key("build_hash").String("unknown");
    w.Key("roles").StartArray();
    for (const char* role : {"cluster_manager", "data", "ingest", "remote_cluster_client"}) {
      w.String(role);
    }
    w.EndArray();
    w.Key("attributes").StartObject().EndObject();
    if (wanted("settings")) {
      w.Key("settings").StartObject();
      w.Key("cluster").StartObject().Key("name").String(ctx.node.cluster_name).EndObject();
      w.Key("node").StartObject().Key("name").String(ctx.node.node_name).EndObject();
      w.EndObject();
    }
    if (wanted("http")) {
      w.Key("http").StartObject();
      w.Key("bound_address").StartArray().String(address).EndArray();
      w.Key("publish_address").String(address);
      w.EndObject();
    }
    if (wanted("plugins")) {
      w.Key("plugins").StartArray().EndArray();
      w.Key("modules").StartArray().EndArray();
    }
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

// GET /_plugins/_knn/stats: the k-NN plugin's statistics, limited to what
// sluice measures — graph memory (KiB, as the plugin reports it) per index and,
// beyond the plugin, per knn_vector field ("fields"), and whether the memory
// circuit breaker (index/knn_breaker.h) is refusing new vectors. sluice has
// no graph cache to evict from: cache_capacity_reached is false.
Response KnnStats(const ApiContext& ctx, const Request& req) {
  json::JsonWriter w;
  w.StartObject();
  w.Key("_nodes").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("failed").Int(0).EndObject();
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("circuit_breaker_triggered")
      .Bool(ctx.knn_breaker != nullptr && ctx.knn_breaker->triggered());
  w.Key("nodes").StartObject().Key(NodeId(ctx.node)).StartObject();
  uint64_t total = 0;
  json::JsonWriter indices;
  indices.StartObject();
  for (const auto& index : ctx.catalog->List()) {
    index::Index::ReadGuard guard(*index);
    uint64_t bytes = 0;
    int graphs = 0;
    json::JsonWriter fields;
    fields.StartObject();
    for (const auto& [path, field] : index->mapping().fields()) {
      const vector::VectorIndex* graph = field.knn ? index->vectors(path) : nullptr;
      if (graph == nullptr) continue;
      size_t b = graph->MemoryBytes();
      bytes += b;
      ++graphs;
      fields.Key(path).StartObject().Key("graph_memory_usage").Uint(b / 1024);
      fields.Key("graph_count").Int(1).Key("vector_count").Uint(graph->Size()).EndObject();
    }
    fields.EndObject();
    if (graphs == 0) continue;
    total += bytes;
    indices.Key(index->name()).StartObject().Key("graph_memory_usage").Uint(bytes / 1024);
    indices.Key("graph_count").Int(graphs).Key("fields").Raw(fields.Take()).EndObject();
  }
  indices.EndObject();
  w.Key("graph_memory_usage").Uint(total / 1024);
  w.Key("cache_capacity_reached").Bool(false);
  w.Key("indices_in_cache").Raw(indices.Take());
  w.EndObject().EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterNodeRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_nodes", BindHandler(ctx, NodesInfo));
  router.Add("GET", "/_nodes/{node_id}", BindHandler(ctx, NodesInfo));
  router.Add("GET", "/_nodes/{node_id}/{metric}", BindHandler(ctx, NodesInfo));
  router.Add("GET", "/_plugins/_knn/stats", BindHandler(ctx, KnnStats));
}

}  // namespace sluice::api
