#include "index/operation_counters.h"

#include "index/index.h"

namespace sluice::index {

void OperationCounters::CountWrites(const std::vector<WriteResult>& results) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  for (const auto& r : results) {
    if (!r.status.ok()) {
      index_failed_.fetch_add(1, kRelaxed);
    } else if (r.result == "created" || r.result == "updated") {
      index_total_.fetch_add(1, kRelaxed);
    } else if (r.result == "deleted" || r.result == "not_found") {
      delete_total_.fetch_add(1, kRelaxed);
    } else if (r.result == "noop") {
      noop_total_.fetch_add(1, kRelaxed);
    }
  }
}

void OperationCounters::CountGet(bool found) {
  get_total_.fetch_add(1, std::memory_order_relaxed);
  (found ? get_exists_ : get_missing_).fetch_add(1, std::memory_order_relaxed);
}

void OperationCounters::CountSearch(bool fetched, const std::vector<std::string>& groups) {
  query_total_.fetch_add(1, std::memory_order_relaxed);
  if (fetched) fetch_total_.fetch_add(1, std::memory_order_relaxed);
  if (groups.empty()) return;
  std::lock_guard<std::mutex> lock(groups_mu_);
  for (const auto& g : groups) ++groups_[g];
}

OperationCounters::Snapshot OperationCounters::Read() const {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  Snapshot s;
  s.index_total = index_total_.load(kRelaxed);
  s.index_failed = index_failed_.load(kRelaxed);
  s.delete_total = delete_total_.load(kRelaxed);
  s.noop_update_total = noop_total_.load(kRelaxed);
  s.get_total = get_total_.load(kRelaxed);
  s.get_exists = get_exists_.load(kRelaxed);
  s.get_missing = get_missing_.load(kRelaxed);
  s.query_total = query_total_.load(kRelaxed);
  s.fetch_total = fetch_total_.load(kRelaxed);
  s.refresh_total = refresh_total_.load(kRelaxed);
  s.flush_total = flush_total_.load(kRelaxed);
  std::lock_guard<std::mutex> lock(groups_mu_);
  s.group_query_total = groups_;
  return s;
}

}  // namespace sluice::index
