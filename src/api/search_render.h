// The body of a `_search` response (took, _shards, hits, aggregations),
// shared by `_search` and each item of `_msearch`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
};

// Writes the whole response object.
void WriteSearchResponse(const search::SearchRequest& request,
                         const search::SearchResponse& response, const SearchRenderOptions& options,
                         json::JsonWriter& w);

}  // namespace sluice::api
