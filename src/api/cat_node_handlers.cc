// GET /_cat/nodes, /_cat/shards[/{index}], /_cat/allocation[/{node_id}] and
// /_cat/plugins: the single node's truthful tables, rendered by CatTable.
//
// sluice keeps each index in one store: the shards an index declares
// (number_of_shards) are listed as STARTED primaries on this node, holding
// the index's documents on shard 0, and its replicas as UNASSIGNED (one node
// never allocates them), as cat indices and cluster health already count them.
// sluice has no JVM: heap.* shows the process's resident memory against its
// --memory-budget. docs/rest-api.md says so.
#include <cstdio>
#include <string>
#include <vector>

#include "api/cat_table.h"
#include "api/node_identity.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "index/index.h"
#include "util/process_stats.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

constexpr auto R = CatAlign::kRight;

std::string Fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Fixed2Load(const std::optional<std::array<double, 3>>& load, int i) {
  return load ? Fixed2((*load)[i]) : std::string();
}

CatCell Count(int64_t v) { return v < 0 ? CatCell::Null() : CatCell::Number(v); }

int64_t PercentOf(int64_t part, int64_t whole) {
  if (part < 0 || whole <= 0) return -1;
  return (100 * part + whole / 2) / whole;
}

Response CatNodes(const ApiContext& ctx, const Request& req) {
  CatTable table({
      {"id", "nodeId", "unique node id", CatAlign::kLeft, false},
      {"pid", "p", "process id", R, false},
      {"ip", "i", "ip address"},
      {"port", "po", "bound transport port", R, false},
      {"http_address", "http", "bound http address", CatAlign::kLeft, false},
      {"version", "v", "opensearch version", CatAlign::kLeft, false},
      {"heap.current", "hc,heapCurrent", "used heap", R, false},
      {"heap.percent", "hp,heapPercent", "used heap ratio", R},
      {"heap.max", "hm,heapMax", "max configured heap", R, false},
      {"ram.current", "rc,ramCurrent", "used machine memory", R, false},
      {"ram.percent", "rp,ramPercent", "used machine memory ratio", R},
      {"ram.max", "rm,ramMax", "total machine memory", R, false},
      {"file_desc.current", "fdc,fileDescriptorCurrent", "used file descriptors", R, false},
      {"file_desc.percent", "fdp,fileDescriptorPercent", "used file descriptor ratio", R, false},
      {"file_desc.max", "fdm,fileDescriptorMax", "max file descriptors", R, false},
      {"cpu", "", "recent cpu usage", R},
      {"load_1m", "", "1m load avg", R},
      {"load_5m", "", "5m load avg", R},
      {"load_15m", "", "15m load avg", R},
      {"uptime", "u", "node uptime", R, false},
      {"node.role", "r,role,nodeRole", "m:cluster manager eligible node, d:data node, "
                                       "i:ingest node, r:remote cluster client node, "
                                       "-:coordinating node"},
      {"node.roles", "rs,all roles", "-:coordinating node"},
      {"cluster_manager", "cm,m,master", "*:current cluster manager"},
      {"name", "n", "node name"},
      {"disk.total", "dt,diskTotal", "total disk space", R, false},
      {"disk.used", "du,diskUsed", "used disk space", R, false},
      {"disk.avail", "d,disk,diskAvail", "available disk space", R, false},
      {"disk.used_percent", "dup,diskUsedPercent", "used disk space percentage", R, false},
  });
  util::ProcessStats proc = util::ReadProcessStats();
  util::SystemStats sys = util::ReadSystemStats();
  util::CpuLoadSampler::Load load;
  if (ctx.cpu_sampler != nullptr) load = ctx.cpu_sampler->Sample();
  auto space = util::ReadFileSystemSpace(ctx.node.data_dir.empty() ? "." : ctx.node.data_dir)
                   .value_or(util::FileSystemSpace{});
  uint64_t disk_used = space.total_bytes - space.free_bytes;
  int64_t ram_used = sys.memory_total_bytes < 0
                         ? -1
                         : sys.memory_total_bytes - std::max<int64_t>(sys.memory_available_bytes, 0);
  std::string id = NodeId(ctx.node);
  bool full_id = req.Query("full_id").value_or("false") == "true";
  int64_t uptime_s = -1;
  if (proc.start_time_ms > 0) {
    uptime_s = (std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count() -
                proc.start_time_ms) /
               1000;
  }
  std::string address = RequestAddress(req);
  std::string port = address.substr(address.rfind(':') + 1);
  std::string http_address = ctx.node.ip + ":" + port;
  int64_t heap_max = static_cast<int64_t>(ctx.node.memory_budget_bytes);
  table.AddRow({
      CatCell::Text(full_id ? id : id.substr(0, 4)),
      CatCell::Number(static_cast<int64_t>(::getpid())),
      CatCell::Text(ctx.node.ip),
      CatCell::Text("-"),  // no transport port: sluice has no transport layer
      CatCell::Text(http_address),
      CatCell::Text(ctx.node.version),
      proc.resident_bytes < 0 ? CatCell::Null() : CatBytes(req, proc.resident_bytes),
      Count(PercentOf(proc.resident_bytes, heap_max)),
      heap_max <= 0 ? CatCell::Null() : CatBytes(req, heap_max),
      ram_used < 0 ? CatCell::Null() : CatBytes(req, ram_used),
      Count(PercentOf(ram_used, sys.memory_total_bytes)),
      sys.memory_total_bytes < 0 ? CatCell::Null() : CatBytes(req, sys.memory_total_bytes),
      Count(proc.open_descriptors),
      Count(PercentOf(proc.open_descriptors, proc.max_descriptors)),
      Count(proc.max_descriptors),
      Count(load.system_percent),
      CatCell::Text(Fixed2Load(sys.load_average, 0)),
      CatCell::Text(Fixed2Load(sys.load_average, 1)),
      CatCell::Text(Fixed2Load(sys.load_average, 2)),
      uptime_s < 0 ? CatCell::Null() : CatCell::Text(std::to_string(uptime_s) + "s"),
      CatCell::Text("dimr"),
      CatCell::Text("cluster_manager,data,ingest,remote_cluster_client"),
      CatCell::Text("*"),
      CatCell::Text(ctx.node.node_name),
      CatBytes(req, space.total_bytes),
      CatBytes(req, disk_used),
      CatBytes(req, space.available_bytes),
      CatCell::Text(space.total_bytes == 0
                        ? std::string("0.00")
                        : Fixed2(100.0 * static_cast<double>(disk_used) /
                                 static_cast<double>(space.total_bytes))),
  });
  return table.Render(req);
}

Response CatShards(const ApiContext& ctx, const Request& req) {
  std::string_view name = req.PathParam("index");
  auto indices = name.empty() ? util::Result<std::vector<std::shared_ptr<index::Index>>>(
                                    ctx.catalog->List())
                              : ctx.catalog->ResolveAll(name);
  if (!indices.ok()) return ErrorResponse(req, indices.status());
  CatTable table({
      {"index", "i,idx", "index name"},
      {"shard", "s,sh", "shard name", R},
      {"prirep", "p,pr,primaryOrReplica", "primary or replica"},
      {"state", "st", "shard state"},
      {"docs", "d,dc", "number of docs in shard", R},
      {"store", "sto", "store size of shard (how much disk it uses)", R},
      {"ip", "", "ip of node where it lives"},
      {"id", "", "unique id of node where it lives", CatAlign::kLeft, false},
      {"node", "n", "name of node where it lives"},
      {"unassigned.reason", "ur", "reason shard is unassigned", CatAlign::kLeft, false},
      {"docs.deleted", "dd", "number of deleted docs in shard", R, false},
  });
  std::string node_id = NodeId(ctx.node);
  for (const auto& index : *indices) {
    const auto& s = index->settings();
    bool closed = ctx.catalog->IsClosed(index->name());
    for (int shard = 0; shard < s.number_of_shards(); ++shard) {
      int64_t docs = shard == 0 ? static_cast<int64_t>(index->doc_count()) : 0;
      uint64_t bytes = shard == 0 ? index->stored_bytes() : 0;
      table.AddRow({CatCell::Text(index->name()), CatCell::Number(shard), CatCell::Text("p"),
                    CatCell::Text("STARTED"), closed ? CatCell::Null() : CatCell::Number(docs),
                    closed ? CatCell::Null() : CatBytes(req, bytes), CatCell::Text(ctx.node.ip),
                    CatCell::Text(node_id), CatCell::Text(ctx.node.node_name), CatCell::Null(),
                    closed ? CatCell::Null() : CatCell::Number(0)});
      for (int r = 0; r < s.number_of_replicas(); ++r) {
        table.AddRow({CatCell::Text(index->name()), CatCell::Number(shard), CatCell::Text("r"),
                      CatCell::Text("UNASSIGNED"), CatCell::Null(), CatCell::Null(),
                      CatCell::Null(), CatCell::Null(), CatCell::Null(),
                      CatCell::Text("INDEX_CREATED"), CatCell::Null()});
      }
    }
  }
  return table.Render(req);
}

Response CatAllocation(const ApiContext& ctx, const Request& req) {
  CatTable table({
      {"shards", "s", "number of shards on node", R},
      {"disk.indices", "di,diskIndices", "disk used by OpenSearch indices", R},
      {"disk.used", "du,diskUsed", "disk used (total, not just OpenSearch)", R},
      {"disk.avail", "da,diskAvail", "disk available", R},
      {"disk.total", "dt,diskTotal", "total capacity of all volumes", R},
      {"disk.percent", "dp,diskPercent", "percent disk used", R},
      {"host", "h", "host of node"},
      {"ip", "", "ip of node"},
      {"node", "n", "name of node"},
  });
  std::string_view selector = req.PathParam("node_id");
  bool selected = selector.empty() || selector == "_all" || selector == "*" ||
                  selector == "_local" || selector == "_master" ||
                  selector == "_cluster_manager" || selector == ctx.node.node_name ||
                  selector == NodeId(ctx.node);
  int64_t shards = 0, unassigned = 0;
  uint64_t index_bytes = 0;
  for (const auto& index : ctx.catalog->List()) {
    shards += index->settings().number_of_shards();
    unassigned += index->settings().number_of_shards() * index->settings().number_of_replicas();
    index_bytes += index->stored_bytes();
  }
  if (selected) {
    auto space = util::ReadFileSystemSpace(ctx.node.data_dir.empty() ? "." : ctx.node.data_dir)
                     .value_or(util::FileSystemSpace{});
    uint64_t used = space.total_bytes - space.free_bytes;
    int64_t percent = space.total_bytes == 0
                          ? 0
                          : static_cast<int64_t>(100 * used / space.total_bytes);
    table.AddRow({CatCell::Number(shards), CatBytes(req, index_bytes), CatBytes(req, used),
                  CatBytes(req, space.available_bytes), CatBytes(req, space.total_bytes),
                  CatCell::Number(percent), CatCell::Text(ctx.node.ip),
                  CatCell::Text(ctx.node.ip), CatCell::Text(ctx.node.node_name)});
  }
  if (unassigned > 0 && selector.empty()) {
    table.AddRow({CatCell::Number(unassigned), CatCell::Null(), CatCell::Null(), CatCell::Null(),
                  CatCell::Null(), CatCell::Null(), CatCell::Null(), CatCell::Null(),
                  CatCell::Text("UNASSIGNED")});
  }
  return table.Render(req);
}

// sluice runs no OpenSearch plugins: the table is empty (the k-NN, ml-commons
// and neural-search APIs it answers are built in).
Response CatPlugins(const ApiContext&, const Request& req) {
  CatTable table({
      {"id", "", "unique node id", CatAlign::kLeft, false},
      {"name", "n", "node name"},
      {"component", "c", "component"},
      {"version", "v", "component version"},
      {"description", "d", "plugin details", CatAlign::kLeft, false},
  });
  return table.Render(req);
}

}  // namespace

void RegisterCatNodeRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_cat/nodes", BindHandler(ctx, CatNodes));
  router.Add("GET", "/_cat/shards", BindHandler(ctx, CatShards));
  router.Add("GET", "/_cat/shards/{index}", BindHandler(ctx, CatShards));
  router.Add("GET", "/_cat/allocation", BindHandler(ctx, CatAllocation));
  router.Add("GET", "/_cat/allocation/{node_id}", BindHandler(ctx, CatAllocation));
  router.Add("GET", "/_cat/plugins", BindHandler(ctx, CatPlugins));
}

}  // namespace sluice::api
