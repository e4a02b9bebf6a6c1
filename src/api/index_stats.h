// The body of OpenSearch's indices stats object (CommonStats: docs, store,
// indexing, search, ...), shared by GET /_stats and the "indices" section of
// GET /_nodes/stats. Documents, store and the operation counters of
// index::OperationCounters are measured; what sluice has no counterpart for
// (merges, warmers, caches, translog, ...) is written with zero counts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "index/index.h"
#include "index/operation_counters.h"
#include "json/json_writer.h"

namespace sluice::api {

struct IndexTotals {
  uint64_t docs = 0;
  uint64_t bytes = 0;
  index::OperationCounters::Snapshot ops;
  index::Index::FieldMemory memory;  // completion and fielddata bytes per field

  static IndexTotals Of(const index::Index& index);
  void Add(const IndexTotals& other);
};

// The per-field breakdowns asked for (wildcards): fielddata.fields and
// completion.fields are shown only for the fields listed.
struct FieldStatsFilter {
  std::vector<std::string> fielddata;
  std::vector<std::string> completion;
};

// Writes one stats object with the metrics asked for (all when empty or
// "_all"); `extra`, when set, adds members before the object is closed.
// `groups` (wildcards) selects the search stats groups shown under search.groups.
void WriteIndexStats(json::JsonWriter& w, const IndexTotals& totals,
                     const std::vector<std::string>& metrics,
                     const std::function<void(json::JsonWriter&)>& extra = {},
                     const std::vector<std::string>& groups = {},
                     const FieldStatsFilter& fields = {});

}  // namespace sluice::api
