// SearchContextStore: the open scroll contexts of the node.
//
// Opening a scroll runs the search once, keeps every hit in order (index,
// id, score, sort values) and a store snapshot of each index taken with them;
// each page loads its documents from those snapshots. A scroll therefore sees
// the index as it was when it was opened: documents written afterwards do not
// appear, documents updated or deleted afterwards appear as they were, and
// every document appears exactly once.
//
// Contexts expire after their keep-alive (renewed by every page); expired
// ones are dropped lazily on the next call. At most
// `max_open_scroll_context` are open at once (OpenSearch's
// search.max_open_scroll_context, 500): more is a 429
// rejected_execution_exception. An unknown or expired id is a 404
// search_context_missing_exception.
//
// It also holds the node's points in time (PIT): frozen views of indices
// (index::Index::PointInTimeView: the doc table copied, Store reads through
// one snapshot) that any number of searches run against until the PIT's
// keep-alive passes without a search renewing it. At most
// `max_open_pit_context` are open (OpenSearch's search.max_open_pit_context,
// 300; more is a 429).
//
// Must be destroyed before the Store of the indices it holds snapshots of.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search/search_request.h"
#include "util/result.h"

namespace sluice::search {

struct SearchContextOptions {
  size_t max_open_scroll_context = 500;            // search.max_open_scroll_context
  int64_t max_keep_alive_ms = 24LL * 3600 * 1000;  // search.max_keep_alive (24h)
  size_t max_open_pit_context = 300;                // search.max_open_pit_context
};

struct PitInfo {
  std::string pit_id;
  int64_t creation_time = 0;  // epoch milliseconds
  int64_t keep_alive_ms = 0;
};

// "1m", "30s", "500ms", "2h", "1d" → milliseconds (OpenSearch time units).
util::Result<int64_t> ParseKeepAlive(std::string_view text, std::string_view setting);

struct ScrollPage {
  std::string scroll_id;
  SearchResponse response;
  bool version = false;              // the opening request's `version`
  bool seq_no_primary_term = false;  // and `seq_no_primary_term`
  int shards = 0;
};

class SearchContextStore {
 public:
  explicit SearchContextStore(SearchContextOptions options = {});
  ~SearchContextStore();

  // Runs the search and returns its first page with a new scroll id.
  util::Result<ScrollPage> Open(const SearchRequest& request,
                                std::vector<std::shared_ptr<index::Index>> indices,
                                int64_t keep_alive_ms);
  // The next page; keep_alive renews the context when given.
  util::Result<ScrollPage> Next(std::string_view scroll_id, std::optional<int64_t> keep_alive_ms);
  // Frees the given contexts (or all); returns how many were open.
  size_t Clear(const std::vector<std::string>& scroll_ids);
  size_t ClearAll();
  size_t open_count() const;

  // Opens a point in time over the indices.
  util::Result<PitInfo> CreatePit(const std::vector<std::shared_ptr<index::Index>>& indices,
                                  int64_t keep_alive_ms);
  // The frozen views of a PIT, its keep-alive renewed (raised to keep_alive_ms
  // when that is longer, as OpenSearch never shortens it). Unknown or expired: 404 search_context_missing_exception.
  util::Result<std::vector<std::shared_ptr<index::Index>>> PitIndices(
      std::string_view pit_id, std::optional<int64_t> keep_alive_ms);
  // Frees the given PITs: for each id, whether it was open.
  std::vector<std::pair<std::string, bool>> DeletePits(const std::vector<std::string>& pit_ids);
  // Frees every PIT; returns the ids that were open.
  std::vector<std::string> DeleteAllPits();
  std::vector<PitInfo> ListPits();

 private:
  using Clock = std::chrono::steady_clock;
  struct Context;
  struct Pit {
    PitInfo info;
    std::vector<std::shared_ptr<index::Index>> views;
    Clock::time_point expires_at;
  };
  void DropExpired(Clock::time_point now);  // mu_ held
  util::Status CheckKeepAlive(int64_t keep_alive_ms) const;

  const SearchContextOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Context>, std::less<>> contexts_;  // guarded by mu_
  std::map<std::string, Pit, std::less<>> pits_;                          // guarded by mu_
};

}  // namespace sluice::search
