// GET /_nodes/stats[/{metric}[/{index_metric}]] (and the /_nodes/{node_id}/stats
// forms) and GET /_cluster/stats[/nodes/{node_id}]: the one node's statistics in
// OpenSearch's shapes, limited to what sluice measures — documents and store
// of its indices, the process (CPU, memory, descriptors), the machine (CPU,
// load, memory) and the filesystem of the data directory.
//
// Sections that describe machinery sluice does not have (jvm, thread_pool,
// transport, discovery, indexing_pressure, ...) are accepted as metric names
// and left out of the answer rather than invented; docs/compatibility.md
// lists them.
#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <map>
#include <string>
#include <vector>

#include "api/index_stats.h"
#include "api/node_identity.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/unrecognized.h"
#include "index/catalog.h"
#include "index/index.h"
#include "json/json_writer.h"
#include "util/process_stats.h"
#include "util/split.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

// RestNodesStatsAction's metrics (2.19), and the subset sluice reports.
constexpr std::array<std::string_view, 28> kNodeMetrics = {
    "_all",      "os",
    "process",   "jvm",
    "thread_pool", "fs",
    "transport", "http",
    "breaker",   "script",
    "discovery", "ingest",
    "adaptive_selection", "script_cache",
    "indexing_pressure", "shard_indexing_pressure",
    "search_backpressure", "cluster_manager_throttling",
    "weighted_routing", "file_cache",
    "task_cancellation", "search_pipeline",
    "resource_usage_stats", "segment_replication_backpressure",
    "repositories", "admission_control",
    "caches",    "indices"};

// NodeIndicesStats' flags: the metrics of the "indices" section.
constexpr std::array<std::string_view, 17> kIndexMetrics = {
    "_all",       "docs",       "store",    "indexing",    "get",     "search",
    "merge",      "flush",      "refresh",  "query_cache", "fielddata", "completion",
    "segments",   "translog",   "request_cache", "recovery", "warmer"};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Contains(const std::vector<std::string>& list, std::string_view x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// The members of `asked` that are not in `known`, sorted (as OpenSearch's TreeSet).
template <size_t N>
std::vector<std::string> Unknown(const std::vector<std::string>& asked,
                                 const std::array<std::string_view, N>& known) {
  std::vector<std::string> out;
  for (const auto& a : asked) {
    if (std::find(known.begin(), known.end(), a) == known.end()) out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool NodeSelected(const std::vector<std::string>& selectors, const NodeInfo& node) {
  if (selectors.empty()) return true;
  std::string id = NodeId(node);
  for (const auto& s : selectors) {
    if (s == "_all" || s == "*" || s == "_local" || s == "_master" || s == "_cluster_manager" ||
        s == id || s == node.node_name) {
      return true;
    }
  }
  return false;
}

int Percent(int64_t part, int64_t whole) {
  if (part < 0 || whole <= 0) return 0;
  return static_cast<int>((100 * part + whole / 2) / whole);
}

void WriteOs(json::JsonWriter& w, const util::SystemStats& sys, int cpu_percent, int64_t now) {
  w.Key("os").StartObject().Key("timestamp").Int(now);
  w.Key("cpu").StartObject().Key("percent").Int(cpu_percent);
  if (sys.load_average) {
    w.Key("load_average").StartObject();
    w.Key("1m").Double((*sys.load_average)[0]).Key("5m").Double((*sys.load_average)[1]);
    w.Key("15m").Double((*sys.load_average)[2]).EndObject();
  }
  w.EndObject();
  int64_t total = std::max<int64_t>(sys.memory_total_bytes, 0);
  int64_t free = std::clamp<int64_t>(sys.memory_available_bytes, 0, total);
  w.Key("mem").StartObject().Key("total_in_bytes").Int(total);
  w.Key("free_in_bytes").Int(free).Key("used_in_bytes").Int(total - free);
  w.Key("free_percent").Int(Percent(free, total));
  w.Key("used_percent").Int(Percent(total - free, total)).EndObject();
  w.EndObject();
}

void WriteProcess(json::JsonWriter& w, const util::ProcessStats& p, int cpu_percent, int64_t now) {
  w.Key("process").StartObject().Key("timestamp").Int(now);
  w.Key("open_file_descriptors").Int(p.open_descriptors);
  w.Key("max_file_descriptors").Int(p.max_descriptors);
  w.Key("cpu").StartObject().Key("percent").Int(cpu_percent);
  w.Key("total_in_millis").Int(p.cpu_time_ms).EndObject();
  // sluice reports its resident set too (OpenSearch has only the virtual size here).
  w.Key("mem").StartObject().Key("total_virtual_in_bytes").Int(p.virtual_bytes);
  w.Key("resident_in_bytes").Int(p.resident_bytes).EndObject();
  w.EndObject();
}

void WriteFsTotals(json::JsonWriter& w, const util::FileSystemSpace& s) {
  w.Key("total_in_bytes").Uint(s.total_bytes).Key("free_in_bytes").Uint(s.free_bytes);
  w.Key("available_in_bytes").Uint(s.available_bytes);
}

void WriteFs(json::JsonWriter& w, const std::string& data_dir, int64_t now) {
  auto space = util::ReadFileSystemSpace(data_dir.empty() ? "." : data_dir);
  util::FileSystemSpace s = space.value_or(util::FileSystemSpace{});
  w.Key("fs").StartObject().Key("timestamp").Int(now);
  w.Key("total").StartObject();
  WriteFsTotals(w, s);
  w.EndObject();
  w.Key("data").StartArray().StartObject().Key("path").String(data_dir);
  WriteFsTotals(w, s);
  w.EndObject().EndArray().EndObject();
}

struct CatalogTotals {
  IndexTotals all;
  std::vector<std::pair<std::string, IndexTotals>> per_index;
  int64_t indices = 0;
  int64_t primaries = 0;
  int64_t replicas = 0;  // configured, never assigned on one node
};

CatalogTotals Totals(const index::Catalog& catalog) {
  CatalogTotals t;
  for (const auto& index : catalog.List()) {
    IndexTotals one = IndexTotals::Of(*index);
    t.all.Add(one);
    t.per_index.emplace_back(index->name(), one);
    ++t.indices;
    t.primaries += index->settings().number_of_shards();
    t.replicas += index->settings().number_of_shards() * index->settings().number_of_replicas();
  }
  return t;
}

// The members of _cluster/stats "indices" beyond the common stats: count,
// shards and the field types of the mappings.
void WriteClusterIndexFigures(json::JsonWriter& w, const index::Catalog& catalog,
                              const CatalogTotals& totals) {
  w.Key("count").Int(totals.indices);
  w.Key("shards").StartObject();
  if (totals.indices > 0) {
    int64_t min_shards = INT64_MAX, max_shards = 0;
    for (const auto& index : catalog.List()) {
      int64_t n = index->settings().number_of_shards();
      min_shards = std::min(min_shards, n);
      max_shards = std::max(max_shards, n);
    }
    double avg = static_cast<double>(totals.primaries) / static_cast<double>(totals.indices);
    w.Key("total").Int(totals.primaries).Key("primaries").Int(totals.primaries);
    w.Key("replication").Double(0.0);
    w.Key("index").StartObject();
    for (const char* key : {"shards", "primaries"}) {
      w.Key(key).StartObject().Key("min").Int(min_shards).Key("max").Int(max_shards);
      w.Key("avg").Double(avg).EndObject();
    }
    w.Key("replication").StartObject().Key("min").Double(0.0).Key("max").Double(0.0);
    w.Key("avg").Double(0.0).EndObject();
    w.EndObject();
  }
  w.EndObject();
  std::map<std::string, std::pair<int64_t, int64_t>> field_types;  // type → fields, indices
  for (const auto& index : catalog.List()) {
    std::map<std::string, int64_t> in_index;
    for (const auto& [path, field] : index->mapping().fields()) {
      ++in_index[std::string(index::FieldTypeName(field.type))];
    }
    for (const auto& [type, count] : in_index) {
      field_types[type].first += count;
      field_types[type].second += 1;
    }
  }
  w.Key("mappings").StartObject().Key("field_types").StartArray();
  for (const auto& [type, counts] : field_types) {
    w.StartObject().Key("name").String(type).Key("count").Int(counts.first);
    w.Key("index_count").Int(counts.second).EndObject();
  }
  w.EndArray().EndObject();
}

Response NodesStats(const ApiContext& ctx, const Request& req) {
  std::vector<std::string> nodes = util::SplitNonEmpty(req.PathParam("node_id"));
  std::vector<std::string> metrics = util::SplitNonEmpty(req.PathParam("metric"));
  std::vector<std::string> index_metrics = util::SplitNonEmpty(req.PathParam("index_metric"));
  if (auto bad = Unknown(metrics, kNodeMetrics); !bad.empty()) {
    return ErrorResponse(req, util::InvalidArgument(UnrecognizedReason(
                                  req.path, bad, {kNodeMetrics.begin(), kNodeMetrics.end()},
                                  "metric")));
  }
  if (Contains(metrics, "_all") && metrics.size() > 1) {
    return ErrorResponse(req, util::InvalidArgument("request [" + std::string(req.path) +
                                                    "] contains _all and individual metrics [" +
                                                    std::string(req.PathParam("metric")) + "]"));
  }
  if (!index_metrics.empty()) {
    if (!metrics.empty() && !Contains(metrics, "indices") && !Contains(metrics, "_all")) {
      return ErrorResponse(
          req, util::InvalidArgument("request [" + std::string(req.path) +
                                     "] contains index metrics [" +
                                     std::string(req.PathParam("index_metric")) +
                                     "] but indices stats not requested"));
    }
    if (auto bad = Unknown(index_metrics, kIndexMetrics); !bad.empty()) {
      return ErrorResponse(req, util::InvalidArgument(UnrecognizedReason(
                                    req.path, bad, {kIndexMetrics.begin(), kIndexMetrics.end()},
                                    "index metric")));
    }
  }
  std::string_view level = req.Query("level").value_or("node");
  if (level != "node" && level != "indices" && level != "shards") {
    return ErrorResponse(req, util::InvalidArgument("level parameter must be one of [indices] or "
                                                    "[node] or [shards] but was [" +
                                                    std::string(level) + "]"));
  }
  auto wanted = [&](std::string_view m) {
    return metrics.empty() || Contains(metrics, "_all") || Contains(metrics, m);
  };
  bool selected = NodeSelected(nodes, ctx.node);
  int64_t now = NowMs();
  util::CpuLoadSampler::Load load;
  if (ctx.cpu_sampler != nullptr) load = ctx.cpu_sampler->Sample();

  json::JsonWriter w;
  w.StartObject();
  w.Key("_nodes").StartObject().Key("total").Int(selected ? 1 : 0);
  w.Key("successful").Int(selected ? 1 : 0).Key("failed").Int(0).EndObject();
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("nodes").StartObject();
  if (selected) {
    std::string host = RequestHost(req);
    w.Key(NodeId(ctx.node)).StartObject();
    w.Key("timestamp").Int(now).Key("name").String(ctx.node.node_name);
    w.Key("host").String(host).Key("ip").String(ctx.node.ip);
    w.Key("roles").StartArray();
    for (const char* role : {"cluster_manager", "data", "ingest", "remote_cluster_client"}) {
      w.String(role);
    }
    w.EndArray();
    w.Key("attributes").StartObject().EndObject();
    if (wanted("indices")) {
      CatalogTotals totals = Totals(*ctx.catalog);
      std::vector<std::string> shown = index_metrics.empty() || Contains(index_metrics, "_all")
                                           ? std::vector<std::string>{}
                                           : index_metrics;
      w.Key("indices");
      WriteIndexStats(w, totals.all, shown, [&](json::JsonWriter& out) {
        if (level == "node") return;
        out.Key("indices").StartObject();
        for (const auto& [name, one] : totals.per_index) {
          out.Key(name);
          WriteIndexStats(out, one, shown);
        }
        out.EndObject();
      });
    }
    if (wanted("os")) WriteOs(w, util::ReadSystemStats(), load.system_percent, now);
    if (wanted("process")) WriteProcess(w, util::ReadProcessStats(), load.process_percent, now);
    if (wanted("fs")) WriteFs(w, ctx.node.data_dir, now);
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response ClusterStats(const ApiContext& ctx, const Request& req) {
  std::vector<std::string> nodes = util::SplitNonEmpty(req.PathParam("node_id"));
  bool selected = NodeSelected(nodes, ctx.node);
  int64_t now = NowMs();
  CatalogTotals totals = Totals(*ctx.catalog);
  util::CpuLoadSampler::Load load;
  if (ctx.cpu_sampler != nullptr) load = ctx.cpu_sampler->Sample();
  util::SystemStats sys = util::ReadSystemStats();
  util::ProcessStats proc = util::ReadProcessStats();

  json::JsonWriter w;
  w.StartObject();
  w.Key("_nodes").StartObject().Key("total").Int(selected ? 1 : 0);
  w.Key("successful").Int(selected ? 1 : 0).Key("failed").Int(0).EndObject();
  w.Key("cluster_name").String(ctx.node.cluster_name);
  w.Key("cluster_uuid").String(ctx.node.cluster_uuid);
  w.Key("timestamp").Int(now);
  w.Key("status").String(totals.replicas > 0 ? "yellow" : "green");

  // indices: the common stats sections (as GET /_stats gives them for all
  // indices), then counts and shard figures (one node holds every primary).
  w.Key("indices");
  WriteIndexStats(
      w, totals.all, {"docs", "store", "fielddata", "query_cache", "completion", "segments"},
      [&](json::JsonWriter& out) { WriteClusterIndexFigures(out, *ctx.catalog, totals); });

  // nodes: the one node.
  w.Key("nodes").StartObject();
  w.Key("count").StartObject();
  for (const char* role : {"total", "cluster_manager", "data", "ingest", "master",
                           "remote_cluster_client"}) {
    w.Key(role).Int(selected ? 1 : 0);
  }
  w.Key("coordinating_only").Int(0).EndObject();
  w.Key("versions").StartArray().String(ctx.node.version).EndArray();
  w.Key("os").StartObject();
  w.Key("available_processors").Int(sys.cpus).Key("allocated_processors").Int(sys.cpus);
  w.Key("names").StartArray().StartObject().Key("name").String("Linux").Key("count").Int(1);
  w.EndObject().EndArray();
  int64_t total = std::max<int64_t>(sys.memory_total_bytes, 0);
  int64_t free = std::clamp<int64_t>(sys.memory_available_bytes, 0, total);
  w.Key("mem").StartObject().Key("total_in_bytes").Int(total).Key("free_in_bytes").Int(free);
  w.Key("used_in_bytes").Int(total - free).Key("free_percent").Int(Percent(free, total));
  w.Key("used_percent").Int(Percent(total - free, total)).EndObject();
  w.EndObject();
  w.Key("process").StartObject();
  w.Key("cpu").StartObject().Key("percent").Int(load.process_percent).EndObject();
  w.Key("open_file_descriptors").StartObject().Key("min").Int(proc.open_descriptors);
  w.Key("max").Int(proc.open_descriptors).Key("avg").Int(proc.open_descriptors).EndObject();
  w.EndObject();
  auto space = util::ReadFileSystemSpace(ctx.node.data_dir.empty() ? "." : ctx.node.data_dir);
  w.Key("fs").StartObject();
  WriteFsTotals(w, space.value_or(util::FileSystemSpace{}));
  w.EndObject();
  w.Key("plugins").StartArray().EndArray();
  w.Key("network_types").StartObject().Key("transport_types").StartObject().EndObject();
  w.Key("http_types").StartObject().Key("sluice").Int(1).EndObject().EndObject();
  w.Key("discovery_types").StartObject().Key("single-node").Int(1).EndObject();
  w.Key("packaging_types").StartArray().StartObject().Key("type").String("sluice");
  w.Key("count").Int(1).EndObject().EndArray();
  w.EndObject();
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterNodeStatsRoutes(http::Router& router, const ApiContext& ctx) {
  for (const char* path : {"/_nodes/stats", "/_nodes/stats/{metric}",
                           "/_nodes/stats/{metric}/{index_metric}", "/_nodes/{node_id}/stats",
                           "/_nodes/{node_id}/stats/{metric}",
                           "/_nodes/{node_id}/stats/{metric}/{index_metric}"}) {
    router.Add("GET", path, BindHandler(ctx, NodesStats));
  }
  router.Add("GET", "/_cluster/stats", BindHandler(ctx, ClusterStats));
  router.Add("GET", "/_cluster/stats/nodes/{node_id}", BindHandler(ctx, ClusterStats));
}

}  // namespace sluice::api
