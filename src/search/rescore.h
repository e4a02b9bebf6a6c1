// rescore: the query rescorer (OpenSearch's QueryRescorer) that re-scores the
// top documents of the query with a second query.
//
// For each rescorer in turn, the window_size best documents (score desc, doc
// asc) get, when the rescore query matches them, score_mode's combination
// (total, multiply, avg, max, min) of score * query_weight and the rescore
// query's score * rescore_query_weight, and score * query_weight when it does
// not; every other document's score is multiplied by query_weight (as
// OpenSearch splices the window back into the shard's hits). Hits are then
// ordered by the new scores. Internal to search/ (exposes RapidJSON).
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <vector>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

struct Rescorer {
  enum class Mode { kTotal, kMultiply, kAvg, kMax, kMin };
  int window_size = 10;
  std::shared_ptr<const Query> query;
  float query_weight = 1.0f;
  float rescore_query_weight = 1.0f;
  Mode mode = Mode::kTotal;
};

// The body's "rescore" (one object or an array of them).
util::Result<std::vector<Rescorer>> ParseRescore(const rapidjson::Value& v);

// The main query with its rescorers applied, on each index it runs on.
class RescoreQuery : public Query {
 public:
  RescoreQuery(std::unique_ptr<Query> query, std::vector<Rescorer> rescorers)
      : query_(std::move(query)), rescorers_(std::move(rescorers)) {}
  // Refuses a window above the index's index.max_rescore_window (default:
  // index.max_result_window) as OpenSearch does.
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override {
    query_->CollectHighlightTerms(index, out);
  }
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    visit(*query_);
  }

 private:
  std::unique_ptr<Query> query_;
  std::vector<Rescorer> rescorers_;
};

}  // namespace sluice::search
