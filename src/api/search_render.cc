#include "api/search_render.h"

#include "api/rest_response.h"
#include "json/json_writer.h"

namespace sluice::api {

void WriteSearchResponse(const search::SearchRequest& request,
                         const search::SearchResponse& response, const SearchRenderOptions& options,
                         json::JsonWriter& w) {
  w.StartObject();
  if (options.scroll_id) w.Key("_scroll_id").String(*options.scroll_id);
  if (options.pit_id) w.Key("pit_id").String(*options.pit_id);
  w.Key("took").Int(options.took_ms);
  w.Key("timed_out").Bool(false);
  if (response.terminated_early) w.Key("terminated_early").Bool(*response.terminated_early);
  w.Key("_shards").StartObject().Key("total").Int(options.shards);
  w.Key("successful").Int(options.shards);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject();
  w.Key("hits").StartObject();
  if (response.total_tracked) {
    if (options.total_as_int) {
      w.Key("total").Uint(response.total);
    } else {
      w.Key("total").StartObject().Key("value").Uint(response.total);
      w.Key("relation").String(response.total_is_lower_bound ? "gte" : "eq").EndObject();
    }
  } else if (options.total_as_int) {
    w.Key("total").Int(-1);
  }
  w.Key("max_score");
  if (response.max_score)
    w.Float(*response.max_score);
  else
    w.Null();
  w.Key("hits").StartArray();
  for (const auto& hit : response.hits) {
    w.StartObject();
    w.Key("_index").String(hit.index);
    if (!request.stored_fields_none) w.Key("_id").String(hit.id);
    if (request.version) w.Key("_version").Int(hit.version);
    if (request.seq_no_primary_term) {
      w.Key("_seq_no").Int(hit.seq_no).Key("_primary_term").Int(1);
    }
    w.Key("_score");
    if (hit.has_score)
      w.Float(hit.score);
    else
      w.Null();
    if (hit.source) w.Key("_source").Raw(*hit.source);
    if (hit.fields) w.Key("fields").Raw(*hit.fields);
    if (hit.highlight) w.Key("highlight").Raw(*hit.highlight);
    if (hit.sort) w.Key("sort").Raw(*hit.sort);
    if (hit.matched_queries) w.Key("matched_queries").Raw(*hit.matched_queries);
    if (hit.explanation) w.Key("_explanation").Raw(*hit.explanation);
    w.EndObject();
  }
  w.EndArray().EndObject();
  if (response.aggregations) w.Key("aggregations").Raw(*response.aggregations);
  if (response.suggest) w.Key("suggest").Raw(*response.suggest);
  w.EndObject();
}

http::Response ScrollPageResponse(const http::Request& req, const search::SearchRequest& request,
                                  const search::ScrollPage& page,
                                  std::chrono::steady_clock::time_point started) {
  SearchRenderOptions options;
  options.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  options.shards = page.shards;
  options.total_as_int = FlagParam(req, "rest_total_hits_as_int");
  options.scroll_id = page.scroll_id;
  json::JsonWriter w;
  WriteSearchResponse(request, page.response, options, w);
  return JsonResponse(req, 200, w.Take());
}

}  // namespace sluice::api
