// GET /, /_cluster/health, /_cat/indices.
#include <algorithm>
#include <cstdio>

#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"b", "kb", "mb", "gb", "tb"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llub", static_cast<unsigned long long>(bytes));
    return buf;
  }
  // OpenSearch keeps one decimal, truncated, and drops it when it is 0: 1.5kb, 2kb, 1.9kb.
  auto tenths = static_cast<unsigned long long>(v * 10);
  if (tenths % 10 == 0) std::snprintf(buf, sizeof buf, "%llu%s", tenths / 10, units[u]);
  else std::snprintf(buf, sizeof buf, "%llu.%llu%s", tenths / 10, tenths % 10, units[u]);
  return buf;
}

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

Response CatIndices(const ApiContext& ctx, const Request& req) {
  auto resolved = ctx.catalog->Resolve(req.PathParam("index"));
  if (!resolved.ok()) return ErrorResponse(req, resolved.status());
  std::vector<std::vector<std::string>> rows;
  const std::vector<std::string> columns = {"health", "status", "index", "uuid", "pri", "rep",
                                            "docs.count", "docs.deleted", "store.size",
                                            "pri.store.size"};
  auto bytes_param = req.Query("bytes");
  auto size_text = [&](uint64_t b) {
    if (!bytes_param) return HumanBytes(b);
    uint64_t div = *bytes_param == "kb" ? 1024 : *bytes_param == "mb" ? 1024 * 1024
                   : *bytes_param == "gb" ? 1024ull * 1024 * 1024 : 1;
    return std::to_string(b / div);
  };
  for (const auto& index : *resolved) {
    const auto& s = index->settings();
    uint64_t bytes = index->stored_bytes();
    rows.push_back({s.number_of_replicas() > 0 ? "yellow" : "green", "open", index->name(),
                    index->uuid(), std::to_string(s.number_of_shards()),
                    std::to_string(s.number_of_replicas()), std::to_string(index->doc_count()),
                    "0", size_text(bytes), size_text(bytes)});
  }
  if (auto sort = req.Query("s")) {
    auto col = std::find(columns.begin(), columns.end(), std::string(sort->substr(0, sort->find(':'))));
    if (col != columns.end()) {
      size_t c = static_cast<size_t>(col - columns.begin());
      bool desc = sort->find(":desc") != std::string_view::npos;
      std::stable_sort(rows.begin(), rows.end(), [&](auto& a, auto& b) {
        return desc ? a[c] > b[c] : a[c] < b[c];
      });
    }
  }
  // ?h=index,docs.count selects columns.
  std::vector<size_t> selected;
  if (auto h = req.Query("h")) {
    size_t start = 0;
    while (start <= h->size()) {
      size_t comma = h->find(',', start);
      std::string name(h->substr(start, comma == h->npos ? h->npos : comma - start));
      for (size_t c = 0; c < columns.size(); ++c) {
        if (util::WildcardMatch(name, columns[c])) selected.push_back(c);
      }
      if (comma == h->npos) break;
      start = comma + 1;
    }
  } else {
    for (size_t c = 0; c < columns.size(); ++c) selected.push_back(c);
  }
  if (req.Query("format") == std::optional<std::string_view>("json")) {
    json::JsonWriter w;
    w.StartArray();
    for (const auto& row : rows) {
      w.StartObject();
      for (size_t c : selected) w.Key(columns[c]).String(row[c]);
      w.EndObject();
    }
    w.EndArray();
    return JsonResponse(req, 200, w.Take());
  }
  // Text table: columns padded to their widest cell, as _cat does.
  std::vector<size_t> width(columns.size(), 0);
  bool header = FlagParam(req, "v");
  for (size_t c : selected) {
    if (header) width[c] = columns[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < selected.size(); ++i) {
      size_t c = selected[i];
      line += cells[c];
      if (i + 1 < selected.size()) line.append(width[c] - cells[c].size() + 1, ' ');
    }
    out += line + "\n";
  };
  if (header) emit(columns);
  for (const auto& row : rows) emit(row);
  http::Response response;
  response.status = 200;
  response.content_type = "text/plain; charset=UTF-8";
  response.body = std::move(out);
  return response;
}

}  // namespace

void RegisterClusterRoutes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.Add("GET", "/", [c](const Request& r) { return Info(*c, r); });
  router.Add("HEAD", "/", [](const Request&) { return Response{200, "application/json; charset=UTF-8", "", {}}; });
  router.Add("GET", "/_cluster/health", [c](const Request& r) { return Health(*c, r); });
  router.Add("GET", "/_cluster/health/{index}", [c](const Request& r) { return Health(*c, r); });
  router.Add("GET", "/_cat/indices", [c](const Request& r) { return CatIndices(*c, r); });
  router.Add("GET", "/_cat/indices/{index}", [c](const Request& r) { return CatIndices(*c, r); });
}

}  // namespace sluice::api
