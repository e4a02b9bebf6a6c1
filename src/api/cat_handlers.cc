// GET /_cat/indices, /_cat/count, /_cat/health (with their {index} forms):
// a single node's truthful tables, rendered by CatTable.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "api/cat_table.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The indices named by the {index} path parameter (all when absent).
util::Result<std::vector<std::shared_ptr<index::Index>>> Named(const ApiContext& ctx,
                                                               const Request& req) {
  std::string_view name = req.PathParam("index");
  if (name.empty()) return ctx.catalog->List();
  return ctx.catalog->ResolveAll(name);  // closed indices are listed too
}

std::string Iso8601(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// index.hidden indices are listed when named, or with expand_wildcards=all|hidden.
bool Listed(const index::Index& index, const Request& req) {
  auto it = index.settings().flat().find("index.hidden");
  if (it == index.settings().flat().end() || it->second != "true") return true;
  std::string_view name = req.PathParam("index");
  if (!name.empty() && name.find('*') == std::string_view::npos && name != "_all") return true;
  std::string_view expand = req.Query("expand_wildcards").value_or("");
  return expand.find("all") != std::string_view::npos ||
         expand.find("hidden") != std::string_view::npos;
}

Response CatIndices(const ApiContext& ctx, const Request& req) {
  auto health = req.Query("health");
  if (health && *health != "green" && *health != "yellow" && *health != "red") {
    return ErrorResponse(
        req, util::InvalidArgument("unknown cluster health status [" + std::string(*health) + "]"));
  }
  auto indices = Named(ctx, req);
  if (!indices.ok()) return ErrorResponse(req, indices.status());
  constexpr auto R = CatAlign::kRight;
  CatTable table({
      {"health", "h", "current health status"},
      {"status", "s", "open/close status"},
      {"index", "i,idx", "index name"},
      {"uuid", "id,uuid", "index uuid"},
      {"pri", "p,shards.primary,shardsPrimary", "number of primary shards", R},
      {"rep", "r,shards.replica,shardsReplica", "number of replica shards", R},
      {"docs.count", "dc,docsCount", "available docs", R},
      {"docs.deleted", "dd,docsDeleted", "deleted docs", R},
      {"creation.date", "cd", "index creation date (millisecond value)", R, false},
      {"creation.date.string", "cds", "index creation date (as string)", CatAlign::kLeft, false},
      {"store.size", "ss,storeSize", "store size of primaries & replicas", R},
      {"pri.store.size", "", "store size of primaries", R},
  });
  for (const auto& index : *indices) {
    const auto& s = index->settings();
    std::string_view status = s.number_of_replicas() > 0 ? "yellow" : "green";
    if (!Listed(*index, req) || (health && *health != status)) continue;
    int64_t created = 0;
    if (auto it = s.flat().find("index.creation_date"); it != s.flat().end()) {
      created = std::atoll(it->second.c_str());
    }
    uint64_t bytes = index->stored_bytes();
    // A single node never allocates replicas: yellow when any are configured.
    // A closed index shows no document or store figures, as OpenSearch.
    bool closed = ctx.catalog->IsClosed(index->name());
    auto figure = [closed](CatCell c) { return closed ? CatCell::Null() : c; };
    table.AddRow({CatCell::Text(std::string(status)), CatCell::Text(closed ? "close" : "open"),
                  CatCell::Text(index->name()), CatCell::Text(index->uuid()),
                  CatCell::Number(s.number_of_shards()), CatCell::Number(s.number_of_replicas()),
                  figure(CatCell::Number(static_cast<int64_t>(index->doc_count()))),
                  figure(CatCell::Number(0)), CatCell::Number(created),
                  CatCell::Text(Iso8601(created)), figure(CatBytes(req, bytes)),
                  figure(CatBytes(req, bytes))});
  }
  return table.Render(req);
}

Response CatCount(const ApiContext& ctx, const Request& req) {
  auto indices = Named(ctx, req);
  if (!indices.ok()) return ErrorResponse(req, indices.status());
  int64_t count = 0;
  for (const auto& index : *indices) count += static_cast<int64_t>(index->doc_count());
  CatTable table(
      CatTable::WithTimestamp({{"count", "dc,docs.count,docsCount", "the document count"}}));
  std::vector<CatCell> row = CatTable::TimestampCells(NowMs());
  row.push_back(CatCell::Number(count));
  table.AddRow(std::move(row));
  return table.Render(req);
}

Response CatHealth(const ApiContext& ctx, const Request& req) {
  int64_t primaries = 0, unassigned = 0;
  for (const auto& index : ctx.catalog->List()) {
    primaries += index->settings().number_of_shards();
    unassigned += index->settings().number_of_shards() * index->settings().number_of_replicas();
  }
  constexpr auto R = CatAlign::kRight;
  CatTable table(CatTable::WithTimestamp({
      {"cluster", "cl", "cluster name"},
      {"status", "st", "health status"},
      {"node.total", "nt,nodeTotal", "total number of nodes", R},
      {"node.data", "nd,nodeData", "number of nodes that can store data", R},
      {"discovered_cluster_manager", "dcm", "cluster manager is discovered", R},
      {"shards", "t,sh,shards.total,shardsTotal", "total number of shards", R},
      {"pri", "p,shards.primary,shardsPrimary", "number of primary shards", R},
      {"relo", "r,shards.relocating,shardsRelocating", "number of relocating nodes", R},
      {"init", "i,shards.initializing,shardsInitializing", "number of initializing nodes", R},
      {"unassign", "u,shards.unassigned,shardsUnassigned", "number of unassigned shards", R},
      {"pending_tasks", "pt,pendingTasks", "number of pending tasks", R},
      {"max_task_wait_time", "mtwt,maxTaskWaitTime", "wait time of longest task pending", R},
      {"active_shards_percent", "asp,activeShardsPercent", "active number of shards in percent", R},
  }));
  int64_t total = primaries + unassigned;
  char percent[16];
  std::snprintf(
      percent, sizeof percent, "%.1f%%",
      total == 0 ? 100.0 : 100.0 * static_cast<double>(primaries) / static_cast<double>(total));
  std::vector<CatCell> row = CatTable::TimestampCells(NowMs());
  for (CatCell c :
       {CatCell::Text(ctx.node.cluster_name), CatCell::Text(unassigned > 0 ? "yellow" : "green"),
        CatCell::Number(1), CatCell::Number(1), CatCell::Text("true"), CatCell::Number(primaries),
        CatCell::Number(primaries), CatCell::Number(0), CatCell::Number(0),
        CatCell::Number(unassigned), CatCell::Number(0), CatCell::Text("-"),
        CatCell::Text(percent)}) {
    row.push_back(std::move(c));
  }
  table.AddRow(std::move(row));
  return table.Render(req);
}

}  // namespace

void RegisterCatRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_cat/indices", BindHandler(ctx, CatIndices));
  router.Add("GET", "/_cat/indices/{index}", BindHandler(ctx, CatIndices));
  router.Add("GET", "/_cat/count", BindHandler(ctx, CatCount));
  router.Add("GET", "/_cat/count/{index}", BindHandler(ctx, CatCount));
  router.Add("GET", "/_cat/health", BindHandler(ctx, CatHealth));
}

}  // namespace sluice::api
