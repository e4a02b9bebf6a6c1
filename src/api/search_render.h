// The body of a `_search` response (took, _shards, hits, aggregations),
// shared by `_search` and each item of `_msearch`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/request.h"
#include "http/response.h"
#include "search/search_context_store.h"

#include "search/search_request.h"

namespace sluice::json {
class JsonWriter;
}

namespace sluice::api {

struct SearchRenderOptions {
  int64_t took_ms = 0;
  int shards = 1;
  bool total_as_int = false;  // ?rest_total_hits_as_int: "total": N
  std::optional<std::string> scroll_id;  // "_scroll_id", first, for scroll pages
  std::optional<std::string> pit_id;     // "pit_id", for searches of a point in time
};

// Writes the whole response object.
void WriteSearchResponse(const search::SearchRequest& request,
                         const search::SearchResponse& response, const SearchRenderOptions& options,
                         json::JsonWriter& w);

// The 200 response for a page of a scroll (its first page or a later one):
// `request` gives the hit flags (version, seq_no_primary_term), `started` the
// time the request began (for "took").
http::Response ScrollPageResponse(const http::Request& req, const search::SearchRequest& request,
                                  const search::ScrollPage& page,
                                  std::chrono::steady_clock::time_point started);

}  // namespace sluice::api
