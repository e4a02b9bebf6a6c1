// GET [/<index>]/_stats[/<metric>]: OpenSearch's indices stats for a single
// node — one primary shard (and its unassigned replicas) per index.
//
// docs, store and the operation counters of index::OperationCounters
// (indexing, get, search with its stats groups, refresh, flush) are measured;
// times are not, and what sluice has no counterpart for (merges, warmers,
// caches, translog, ...) is reported in OpenSearch's shape with zero counts.
#include <algorithm>
#include <array>

#include "api/index_stats.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/unrecognized.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

constexpr std::array<std::string_view, 17> kMetrics = {
    "docs",     "store",    "indexing",      "get",         "search",    "merge",
    "refresh",  "flush",    "warmer",        "query_cache", "fielddata", "completion",
    "segments", "translog", "request_cache", "recovery",    "_all"};

void Zeros(json::JsonWriter& w, std::initializer_list<const char*> keys) {
  for (const char* k : keys) w.Key(k).Int(0);
}

}  // namespace

IndexTotals IndexTotals::Of(const index::Index& index) {
  return IndexTotals{index.doc_count(), index.stored_bytes(), index.counters().Read(),
                     index.FieldMemoryStats()};
}

void IndexTotals::Add(const IndexTotals& o) {
  docs += o.docs;
  bytes += o.bytes;
  ops.index_total += o.ops.index_total;
  ops.index_failed += o.ops.index_failed;
  ops.delete_total += o.ops.delete_total;
  ops.noop_update_total += o.ops.noop_update_total;
  ops.get_total += o.ops.get_total;
  ops.get_exists += o.ops.get_exists;
  ops.get_missing += o.ops.get_missing;
  ops.query_total += o.ops.query_total;
  ops.fetch_total += o.ops.fetch_total;
  ops.refresh_total += o.ops.refresh_total;
  ops.flush_total += o.ops.flush_total;
  for (const auto& [g, n] : o.ops.group_query_total) ops.group_query_total[g] += n;
  for (const auto& [f, n] : o.memory.completion) memory.completion[f] += n;
  for (const auto& [f, n] : o.memory.fielddata) memory.fielddata[f] += n;
}

namespace {

void WriteSearchCounters(json::JsonWriter& w, uint64_t query_total, uint64_t fetch_total) {
  w.Key("open_contexts").Int(0).Key("query_total").Uint(query_total);
  Zeros(w, {"query_time_in_millis", "query_current"});
  w.Key("fetch_total").Uint(fetch_total);
  Zeros(w, {"fetch_time_in_millis", "fetch_current"});
  Zeros(w, {"scroll_total", "scroll_time_in_millis", "scroll_current", "point_in_time_total",
            "point_in_time_time_in_millis", "point_in_time_current", "suggest_total",
            "suggest_time_in_millis", "suggest_current"});
}

uint64_t Sum(const std::map<std::string, uint64_t>& per_field) {
  uint64_t n = 0;
  for (const auto& [f, bytes] : per_field) n += bytes;
  return n;
}

// "fields": {"<field>": {"<key>": bytes}} for the fields the patterns select, when any.
void WriteFieldBreakdown(json::JsonWriter& w, const std::map<std::string, uint64_t>& per_field,
                         const std::vector<std::string>& patterns, const char* key) {
  bool any = false;
  for (const auto& [field, bytes] : per_field) {
    bool shown = false;
    for (const auto& p : patterns) shown = shown || util::WildcardMatch(p, field);
    if (!shown) continue;
    if (!any) w.Key("fields").StartObject();
    any = true;
    w.Key(field).StartObject().Key(key).Uint(bytes).EndObject();
  }
  if (any) w.EndObject();
}

}  // namespace

void WriteIndexStats(json::JsonWriter& w, const IndexTotals& t,
                     const std::vector<std::string>& metrics,
                     const std::function<void(json::JsonWriter&)>& extra,
                     const std::vector<std::string>& groups, const FieldStatsFilter& fields) {
  auto want = [&](std::string_view m) {
    if (metrics.empty()) return true;
    for (const auto& x : metrics) {
      if (x == m || x == "_all") return true;
    }
    return false;
  };
  const auto& ops = t.ops;
  w.StartObject();
  if (want("docs")) {
    w.Key("docs").StartObject().Key("count").Uint(t.docs).Key("deleted").Int(0).EndObject();
  }
  if (want("store")) {
    w.Key("store").StartObject().Key("size_in_bytes").Uint(t.bytes);
    w.Key("reserved_in_bytes").Int(0).EndObject();
  }
  if (want("indexing")) {
    w.Key("indexing").StartObject();
    w.Key("index_total").Uint(ops.index_total);
    Zeros(w, {"index_time_in_millis", "index_current"});
    w.Key("index_failed").Uint(ops.index_failed).Key("delete_total").Uint(ops.delete_total);
    Zeros(w, {"delete_time_in_millis", "delete_current"});
    w.Key("noop_update_total").Uint(ops.noop_update_total);
    w.Key("is_throttled").Bool(false).Key("throttle_time_in_millis").Int(0).EndObject();
  }
  if (want("get")) {
    w.Key("get").StartObject().Key("total").Uint(ops.get_total);
    w.Key("time_in_millis").Int(0).Key("exists_total").Uint(ops.get_exists);
    w.Key("exists_time_in_millis").Int(0).Key("missing_total").Uint(ops.get_missing);
    Zeros(w, {"missing_time_in_millis", "current"});
    w.EndObject();
  }
  if (want("search")) {
    w.Key("search").StartObject();
    WriteSearchCounters(w, ops.query_total, ops.fetch_total);
    bool any_group = false;
    for (const auto& [group, n] : ops.group_query_total) {
      bool shown = false;
      for (const auto& pattern : groups) shown = shown || util::WildcardMatch(pattern, group);
      if (!shown) continue;
      if (!any_group) w.Key("groups").StartObject();
      any_group = true;
      w.Key(group).StartObject();
      WriteSearchCounters(w, n, n);
      w.EndObject();
    }
    if (any_group) w.EndObject();
    w.EndObject();
  }
  if (want("merge")) {
    w.Key("merges").StartObject();
    Zeros(w, {"current", "current_docs", "current_size_in_bytes", "total", "total_time_in_millis",
              "total_docs", "total_size_in_bytes", "total_stopped_time_in_millis",
              "total_throttled_time_in_millis"});
    w.Key("total_auto_throttle_in_bytes").Int(20971520).EndObject();
  }
  if (want("refresh")) {
    w.Key("refresh").StartObject().Key("total").Uint(ops.refresh_total);
    w.Key("total_time_in_millis").Int(0).Key("external_total").Uint(ops.refresh_total);
    Zeros(w, {"external_total_time_in_millis", "listeners"});
    w.EndObject();
  }
  if (want("flush")) {
    w.Key("flush").StartObject().Key("total").Uint(ops.flush_total);
    Zeros(w, {"periodic", "total_time_in_millis"});
    w.EndObject();
  }
  if (want("warmer")) {
    w.Key("warmer").StartObject();
    Zeros(w, {"current", "total", "total_time_in_millis"});
    w.EndObject();
  }
  if (want("query_cache")) {
    w.Key("query_cache").StartObject();
    Zeros(w, {"memory_size_in_bytes", "total_count", "hit_count", "miss_count", "cache_size",
              "cache_count", "evictions"});
    w.EndObject();
  }
  if (want("fielddata")) {
    w.Key("fielddata").StartObject();
    w.Key("memory_size_in_bytes").Uint(Sum(t.memory.fielddata)).Key("evictions").Int(0);
    WriteFieldBreakdown(w, t.memory.fielddata, fields.fielddata, "memory_size_in_bytes");
    w.EndObject();
  }
  if (want("completion")) {
    w.Key("completion").StartObject().Key("size_in_bytes").Uint(Sum(t.memory.completion));
    WriteFieldBreakdown(w, t.memory.completion, fields.completion, "size_in_bytes");
    w.EndObject();
  }
  if (want("segments")) {
    w.Key("segments").StartObject();
    w.Key("count").Int(t.docs > 0 ? 1 : 0);
    Zeros(w, {"memory_in_bytes", "terms_memory_in_bytes", "stored_fields_memory_in_bytes",
              "term_vectors_memory_in_bytes", "norms_memory_in_bytes", "points_memory_in_bytes",
              "doc_values_memory_in_bytes", "index_writer_memory_in_bytes",
              "version_map_memory_in_bytes", "fixed_bit_set_memory_in_bytes"});
    w.Key("max_unsafe_auto_id_timestamp").Int(-1);
    w.Key("file_sizes").StartObject().EndObject().EndObject();
  }
  if (want("translog")) {
    w.Key("translog").StartObject();
    Zeros(w, {"operations", "size_in_bytes", "uncommitted_operations", "uncommitted_size_in_bytes",
              "earliest_last_modified_age"});
    w.EndObject();
  }
  if (want("request_cache")) {
    w.Key("request_cache").StartObject();
    Zeros(w, {"memory_size_in_bytes", "evictions", "hit_count", "miss_count"});
    w.EndObject();
  }
  if (want("recovery")) {
    w.Key("recovery").StartObject();
    Zeros(w, {"current_as_source", "current_as_target", "throttle_time_in_millis"});
    w.EndObject();
  }
  if (extra) extra(w);
  w.EndObject();
}

namespace {

Response Stats(const ApiContext& ctx, const Request& req) {
  std::vector<std::string> metrics = util::SplitNonEmpty(req.PathParam("metric"));
  std::vector<std::string> unknown;
  for (const auto& m : metrics) {
    if (std::find(kMetrics.begin(), kMetrics.end(), m) == kMetrics.end()) unknown.push_back(m);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    return ErrorResponse(req, util::InvalidArgument(UnrecognizedReason(
                                  req.path, unknown, {kMetrics.begin(), kMetrics.end()}, "metric")));
  }
  std::vector<std::string> groups = util::SplitNonEmpty(req.Query("groups").value_or(""));
  // "fields" selects both breakdowns; fielddata_fields / completion_fields one each.
  FieldStatsFilter field_filter;
  field_filter.fielddata = util::SplitNonEmpty(req.Query("fielddata_fields").value_or(""));
  field_filter.completion = util::SplitNonEmpty(req.Query("completion_fields").value_or(""));
  for (const auto& f : util::SplitNonEmpty(req.Query("fields").value_or(""))) {
    field_filter.fielddata.push_back(f);
    field_filter.completion.push_back(f);
  }
  std::string_view level = req.Query("level").value_or("indices");
  if (level != "indices" && level != "cluster" && level != "shards") {
    return ErrorResponse(req, util::InvalidArgument("level parameter must be one of [cluster] or "
                                                    "[indices] or [shards] but was [" +
                                                    std::string(level) + "]"));
  }
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  IndexTotals all;
  int total_shards = 0, successful = 0;
  std::vector<std::pair<const index::Index*, IndexTotals>> per_index;
  for (const auto& index : *targets) {
    IndexTotals t = IndexTotals::Of(*index);
    all.Add(t);
    total_shards +=
        index->settings().number_of_shards() * (1 + index->settings().number_of_replicas());
    successful += index->settings().number_of_shards();
    per_index.emplace_back(index.get(), t);
  }
  json::JsonWriter w;
  w.StartObject().Key("_shards").StartObject();
  w.Key("total").Int(total_shards).Key("successful").Int(successful).Key("failed").Int(0);
  w.EndObject();
  w.Key("_all").StartObject().Key("primaries");
  WriteIndexStats(w, all, metrics, {}, groups, field_filter);
  w.Key("total");
  WriteIndexStats(w, all, metrics, {}, groups, field_filter);
  w.EndObject();
  if (level != "cluster") {
    w.Key("indices").StartObject();
    for (const auto& [index, t] : per_index) {
      w.Key(index->name()).StartObject().Key("uuid").String(index->uuid());
      w.Key("primaries");
      WriteIndexStats(w, t, metrics, {}, groups, field_filter);
      w.Key("total");
      WriteIndexStats(w, t, metrics, {}, groups, field_filter);
      if (level == "shards") {
        w.Key("shards").StartObject().Key("0").StartArray().StartObject();
        w.Key("routing").StartObject().Key("state").String("STARTED");
        w.Key("primary").Bool(true).Key("node").String(ctx.node.node_name).EndObject();
        w.Key("commit").StartObject().Key("id").String(index->uuid());
        w.Key("generation").Int(1).Key("user_data").StartObject().EndObject();
        w.Key("num_docs").Uint(t.docs).EndObject();
        w.EndObject().EndArray().EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterIndexStatsRoutes(http::Router& router, const ApiContext& ctx) {
  for (const char* path :
       {"/_stats", "/_stats/{metric}", "/{index}/_stats", "/{index}/_stats/{metric}"}) {
    router.Add("GET", path, BindHandler(ctx, Stats));
  }
}

}  // namespace sluice::api
