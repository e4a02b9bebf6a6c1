#include "search/search_context_store.h"

#include <algorithm>

#include "index/id_generator.h"
#include "util/time_value.h"

namespace sluice::search {

using util::Status;

struct SearchContextStore::Context {
  std::mutex mu;  // serialises pages of one scroll
  std::vector<std::shared_ptr<index::Index>> indices;
  std::vector<std::shared_ptr<const storage::Snapshot>> snapshots;
  std::vector<RankedHit> hits;
  size_t next = 0;  // guarded by mu
  int size = 10;
  SourceFilter source;
  bool version = false;
  bool seq_no_primary_term = false;
  bool scores_shown = true;
  SearchResponse head;  // totals and max_score (hits empty)
  int64_t keep_alive_ms = 0;
  Clock::time_point expires_at;  // guarded by the store's mu_
};

namespace {

Status Missing(std::string_view id) {
  util::Status inner(util::Code::kNotFound, "search_context_missing_exception",
                     "No search context found for id [" + std::string(id) + "]");
  return util::Status(util::Code::kNotFound, "search_phase_execution_exception",
                      "all shards failed")
      .WithMetadata("phase", "query")
      .WithMetadata("grouped", "true")
      .WithCause(std::move(inner));
}

// Loads the documents of hits [from, from + size) as of the snapshots.
Status LoadPage(const std::vector<RankedHit>& hits, size_t from, size_t size,
                const std::vector<std::shared_ptr<index::Index>>& indices,
                const std::vector<std::shared_ptr<const storage::Snapshot>>& snapshots,
                const SourceFilter& source, bool scores_shown, SearchResponse& out) {
  size_t end = std::min(hits.size(), from + size);
  for (size_t i = from; i < end; ++i) {
    const RankedHit& h = hits[i];
    const index::Index& index = *indices[h.index_pos];
    SLUICE_ASSIGN_OR_RETURN(auto stored, index.Get(h.id, *snapshots[h.index_pos]));
    if (!stored) continue;  // not in the snapshot (written while the scroll opened)
    SearchHit hit;
    hit.index = index.name();
    hit.id = h.id;
    hit.score = h.score;
    hit.has_score = scores_shown;
    hit.sort = h.sort;
    hit.version = stored->version;
    hit.seq_no = stored->seq_no;
    if (source.fetch) hit.source = source.Apply(stored->source);
    out.hits.push_back(std::move(hit));
  }
  return Status::Ok();
}

}  // namespace

util::Result<int64_t> ParseKeepAlive(std::string_view text, std::string_view setting) {
  std::optional<int64_t> ms = util::ParseTimeValueMs(text, 12);
  if (!ms) {
    return util::ParseError("failed to parse setting [" + std::string(setting) + "] with value [" +
                            std::string(text) +
                            "] as a time value: unit is missing or unrecognized");
  }
  return *ms;
}

SearchContextStore::SearchContextStore(SearchContextOptions options) : options_(options) {}
SearchContextStore::~SearchContextStore() = default;

void SearchContextStore::DropExpired(Clock::time_point now) {
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->second->expires_at <= now)
      it = contexts_.erase(it);
    else
      ++it;
  }
  for (auto it = pits_.begin(); it != pits_.end();) {
    if (it->second.expires_at <= now)
      it = pits_.erase(it);
    else
      ++it;
  }
}

Status SearchContextStore::CheckKeepAlive(int64_t keep_alive_ms) const {
  if (keep_alive_ms <= options_.max_keep_alive_ms) return Status::Ok();
  return util::InvalidArgument(
      "Keep alive for request (" + std::to_string(keep_alive_ms / 60000) +
      "m) is too large. It must be less than (" +
      std::to_string(options_.max_keep_alive_ms / 60000) +
      "m). This limit can be set by changing the [search.max_keep_alive] cluster level "
      "setting.");
}

util::Result<PitInfo> SearchContextStore::CreatePit(
    const std::vector<std::shared_ptr<index::Index>>& indices, int64_t keep_alive_ms) {
  SLUICE_RETURN_IF_ERROR(CheckKeepAlive(keep_alive_ms));
  auto too_many = [&] {
    return util::Status(util::Code::kTooManyRequests, "rejected_execution_exception",
                        "Trying to create too many Point In Time contexts. Must be less than or "
                        "equal to: [" +
                            std::to_string(options_.max_open_pit_context) +
                            "]. This limit can be set by changing the "
                            "[search.max_open_pit_context] setting.");
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    DropExpired(Clock::now());
    if (pits_.size() >= options_.max_open_pit_context) return too_many();
  }
  // Views are made outside mu_: each waits for a write in flight on its index.
  Pit pit;
  for (const auto& index : indices) pit.views.push_back(index::Index::PointInTimeView(index));
  pit.info.pit_id = "sluice_pit_" + index::GenerateId(32);
  pit.info.creation_time = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  pit.info.keep_alive_ms = keep_alive_ms;
  std::lock_guard<std::mutex> lock(mu_);
  if (pits_.size() >= options_.max_open_pit_context) return too_many();
  pit.expires_at = Clock::now() + std::chrono::milliseconds(keep_alive_ms);
  PitInfo info = pit.info;
  pits_.emplace(info.pit_id, std::move(pit));
  return info;
}

util::Result<std::vector<std::shared_ptr<index::Index>>> SearchContextStore::PitIndices(
    std::string_view pit_id, std::optional<int64_t> keep_alive_ms) {
  if (keep_alive_ms) SLUICE_RETURN_IF_ERROR(CheckKeepAlive(*keep_alive_ms));
  std::lock_guard<std::mutex> lock(mu_);
  auto now = Clock::now();
  DropExpired(now);
  auto it = pits_.find(pit_id);
  if (it == pits_.end()) return Missing(pit_id);
  // As OpenSearch's ReaderContext#tryUpdateKeepAlive: a search never shortens a PIT's life.
  if (keep_alive_ms) {
    it->second.info.keep_alive_ms = std::max(it->second.info.keep_alive_ms, *keep_alive_ms);
  }
  it->second.expires_at = now + std::chrono::milliseconds(it->second.info.keep_alive_ms);
  return it->second.views;
}

std::vector<std::pair<std::string, bool>> SearchContextStore::DeletePits(
    const std::vector<std::string>& pit_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& id : pit_ids) out.emplace_back(id, pits_.erase(id) > 0);
  return out;
}

std::vector<std::string> SearchContextStore::DeleteAllPits() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  std::vector<std::string> out;
  for (const auto& [id, pit] : pits_) out.push_back(id);
  pits_.clear();
  return out;
}

std::vector<PitInfo> SearchContextStore::ListPits() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  std::vector<PitInfo> out;
  for (const auto& [id, pit] : pits_) out.push_back(pit.info);
  std::sort(out.begin(), out.end(),
            [](const PitInfo& a, const PitInfo& b) { return a.creation_time < b.creation_time; });
  return out;
}

util::Result<ScrollPage> SearchContextStore::Open(
    const SearchRequest& request, std::vector<std::shared_ptr<index::Index>> indices,
    int64_t keep_alive_ms) {
  SLUICE_RETURN_IF_ERROR(CheckKeepAlive(keep_alive_ms));
  if (request.from > 0) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: using [from] is not allowed in a scroll context;");
  }
  if (request.search_after) {
    return util::InvalidArgument("`search_after` cannot be used in a scroll context.");
  }
  if (request.collapse_field) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: cannot use `collapse` in a scroll context;");
  }
  if (request.size == 0) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: [size] cannot be [0] in a scroll context;");
  }
  const int64_t window = indices.empty() ? 10000 : indices[0]->settings().max_result_window();
  if (request.size > window) {
    return util::InvalidArgument(
        "Batch size is too large, size must be less than or equal to: [" + std::to_string(window) +
        "] but was [" + std::to_string(request.size) +
        "]. Scroll batch sizes cost as much memory as result windows so they are controlled by "
        "the [index.max_result_window] index level setting.");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    DropExpired(Clock::now());
    if (contexts_.size() >= options_.max_open_scroll_context) {
      return util::Status(util::Code::kTooManyRequests, "rejected_execution_exception",
                          "Trying to create too many scroll contexts. Must be less than or equal "
                          "to: [" +
                              std::to_string(options_.max_open_scroll_context) +
                              "]. This limit can be set by changing the "
                              "[search.max_open_scroll_context] setting.");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(RankedSearch ranked, RankAll(request, indices));
  auto ctx = std::make_shared<Context>();
  ctx->indices = std::move(indices);
  ctx->snapshots = std::move(ranked.snapshots);
  ctx->hits = std::move(ranked.hits);
  ctx->size = request.size;
  ctx->source = request.source;
  ctx->version = request.version;
  ctx->seq_no_primary_term = request.seq_no_primary_term;
  ctx->scores_shown = ranked.scores_shown;
  ctx->head = std::move(ranked.head);
  ctx->keep_alive_ms = keep_alive_ms;

  ScrollPage page;
  page.response = ctx->head;  // the first page carries the aggregations
  ctx->head.aggregations.reset();
  SLUICE_RETURN_IF_ERROR(LoadPage(ctx->hits, 0, static_cast<size_t>(ctx->size), ctx->indices,
                                  ctx->snapshots, ctx->source, ctx->scores_shown, page.response));
  ctx->next = static_cast<size_t>(ctx->size);
  page.version = ctx->version;
  page.seq_no_primary_term = ctx->seq_no_primary_term;
  page.shards = static_cast<int>(ctx->indices.size());
  std::lock_guard<std::mutex> lock(mu_);
  if (contexts_.size() >= options_.max_open_scroll_context) {
    return util::Status(util::Code::kTooManyRequests, "rejected_execution_exception",
                        "Trying to create too many scroll contexts. Must be less than or equal "
                        "to: [" +
                            std::to_string(options_.max_open_scroll_context) +
                            "]. This limit can be set by changing the "
                            "[search.max_open_scroll_context] setting.");
  }
  page.scroll_id = "sluice_scroll_" + index::GenerateId(32);
  ctx->expires_at = Clock::now() + std::chrono::milliseconds(keep_alive_ms);
  contexts_.emplace(page.scroll_id, std::move(ctx));
  return page;
}

util::Result<ScrollPage> SearchContextStore::Next(std::string_view scroll_id,
                                                  std::optional<int64_t> keep_alive_ms) {
  if (keep_alive_ms) SLUICE_RETURN_IF_ERROR(CheckKeepAlive(*keep_alive_ms));
  std::shared_ptr<Context> ctx;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = Clock::now();
    DropExpired(now);
    auto it = contexts_.find(scroll_id);
    if (it == contexts_.end()) return Missing(scroll_id);
    ctx = it->second;
    if (keep_alive_ms) ctx->keep_alive_ms = *keep_alive_ms;
    ctx->expires_at = now + std::chrono::milliseconds(ctx->keep_alive_ms);
  }
  std::lock_guard<std::mutex> page_lock(ctx->mu);
  ScrollPage page;
  page.scroll_id = std::string(scroll_id);
  page.response = ctx->head;
  SLUICE_RETURN_IF_ERROR(LoadPage(ctx->hits, ctx->next, static_cast<size_t>(ctx->size),
                                  ctx->indices, ctx->snapshots, ctx->source, ctx->scores_shown,
                                  page.response));
  ctx->next = std::min(ctx->hits.size(), ctx->next + static_cast<size_t>(ctx->size));
  page.version = ctx->version;
  page.seq_no_primary_term = ctx->seq_no_primary_term;
  page.shards = static_cast<int>(ctx->indices.size());
  return page;
}

size_t SearchContextStore::Clear(const std::vector<std::string>& scroll_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  size_t freed = 0;
  for (const auto& id : scroll_ids) freed += contexts_.erase(id);
  return freed;
}

size_t SearchContextStore::ClearAll() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  size_t freed = contexts_.size();
  contexts_.clear();
  return freed;
}

size_t SearchContextStore::open_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return contexts_.size();
}

}  // namespace sluice::search
