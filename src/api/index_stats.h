// The body of OpenSearch's indices stats object (CommonStats: docs, store,
// indexing, search, ...), shared by GET /_stats and the "indices" section of
// GET /_nodes/stats. sluice measures docs and store; the operation counters
// are written in OpenSearch's shape with zero counts (docs/compatibility.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "json/json_writer.h"

namespace sluice::api {

struct IndexTotals {
  uint64_t docs = 0;
  uint64_t bytes = 0;
};

// Writes one stats object with the metrics asked for (all when empty or
// "_all"); `extra`, when set, adds members before the object is closed.
void WriteIndexStats(json::JsonWriter& w, const IndexTotals& totals,
                     const std::vector<std::string>& metrics,
                     const std::function<void(json::JsonWriter&)>& extra = {});

}  // namespace sluice::api
