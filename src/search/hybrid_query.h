// HybridQuery: neural-search's `hybrid` query — up to five sub-queries
// (lexical, knn, any mix) run separately; a search pipeline's
// normalization-processor or score-ranker-processor then normalizes and
// combines their scores (hybrid_scoring.h).
//
// It is only valid as the top-level query of a search: executed as a part of
// another query it fails with neural-search's "hybrid query must be a top
// level query and cannot be wrapped into other queries".
//
// CollectHybrid runs it on each index (read guards held by the caller): each
// sub-query's matches, its top `depth` hits by score (ties: lower doc), the
// union of all matches (totals, aggregations), then NormalizeAndCombine over
// all indices together. Immutable once built; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "search/hybrid_scoring.h"
#include "search/query.h"

namespace sluice::search {

class HybridQuery : public Query {
 public:
  std::vector<std::unique_ptr<Query>> queries;
  std::optional<int> pagination_depth;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    for (const auto& q : queries) visit(*q);
  }
};

struct HybridCollected {
  DocList hits;     // the combined hits, sorted by doc
  DocList matches;  // every document some sub-query matched, sorted by doc
};

// from/size: the request's; post_filter (may be null) restricts every sub-query.
util::Result<std::vector<HybridCollected>> CollectHybrid(
    const HybridQuery& query, const HybridScoring& scoring, const Query* post_filter, int from,
    int size, const std::vector<const index::Index*>& indices);

}  // namespace sluice::search
