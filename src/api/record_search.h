// The searches over records sluice keeps outside any index (ml-commons'
// connectors, models and tasks), which answer in OpenSearch's search shape.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "util/result.h"

namespace sluice::json {
class JsonWriter;
}

namespace sluice::api {

// `size` and `from` of a search body that may hold only `query: {match_all:
// {}}`, `size` and `from` (an empty body: 10 and 0). `what` names the search
// in errors ("connector" → "... by the connector search").
struct MatchAllPage {
  int64_t size = 10;
  int64_t from = 0;
};
util::Result<MatchAllPage> ParseMatchAllPage(std::string_view body, std::string_view what);

// Writes a whole search response of one shard in which every hit scores 1.0:
// `total` matches, of which [from, from + size) are written, each by
// `write_hit(i, w)` into the hit's open object (its `_index`, `_id`, `_score`
// and `_source` are the caller's). `took_ms` is the response's `took`.
void WriteRecordSearch(json::JsonWriter& w, int64_t took_ms, int64_t total, int64_t from,
                       int64_t size, const std::function<void(size_t, json::JsonWriter&)>& write_hit);

}  // namespace sluice::api
