// OperationCounters: what has been done to one index since it was opened, as
// GET /_stats and GET /_nodes/stats report it (OpenSearch's indexing, get,
// search, refresh and flush counters). Counts are per index, not per shard:
// sluice keeps an index in one store, so a search of a 5-shard index counts
// one query where OpenSearch would count five.
//
// Thread-safety: every member may be used from any thread; the counters are
// relaxed atomics (monotonic totals), the search groups take a small mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::index {

struct WriteResult;

class OperationCounters {
 public:
  struct Snapshot {
    uint64_t index_total = 0;
    uint64_t index_failed = 0;
    uint64_t delete_total = 0;
    uint64_t noop_update_total = 0;
    uint64_t get_total = 0;
    uint64_t get_exists = 0;
    uint64_t get_missing = 0;
    uint64_t query_total = 0;
    uint64_t fetch_total = 0;
    uint64_t refresh_total = 0;
    uint64_t flush_total = 0;
    std::map<std::string, uint64_t> group_query_total;  // the search body's "stats" groups
  };

  // One batch of Index::Write results: created/updated count as indexed,
  // deleted as deletes, noop as noop updates, failed items as index_failed
  // (a missing document's delete, "not_found", counts as a delete, as OpenSearch).
  void CountWrites(const std::vector<WriteResult>& results);
  void CountGet(bool found);
  // One search over this index: a query phase, a fetch phase when hits were
  // asked for, and one query for each of its stats groups.
  void CountSearch(bool fetched, const std::vector<std::string>& groups);
  void CountRefresh() { refresh_total_.fetch_add(1, std::memory_order_relaxed); }
  void CountFlush() { flush_total_.fetch_add(1, std::memory_order_relaxed); }

  Snapshot Read() const;

 private:
  std::atomic<uint64_t> index_total_{0}, index_failed_{0}, delete_total_{0}, noop_total_{0};
  std::atomic<uint64_t> get_total_{0}, get_exists_{0}, get_missing_{0};
  std::atomic<uint64_t> query_total_{0}, fetch_total_{0};
  std::atomic<uint64_t> refresh_total_{0}, flush_total_{0};
  mutable std::mutex groups_mu_;
  std::map<std::string, uint64_t> groups_;  // guarded by groups_mu_
};

}  // namespace sluice::index
