// function_score with weight and field_value_factor functions, combined as
// OpenSearch's FunctionScoreQuery combines them (score_mode over the functions
// whose filter matches, max_boost, boost_mode with the query's score,
// min_score). See query.h for the execution contract.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "search/query.h"

namespace sluice::search {

struct ScoreFunction {
  std::unique_ptr<Query> filter;  // nullptr: every document
  std::optional<float> weight;
  // field_value_factor (when field is set).
  std::string field;
  float factor = 1.0f;
  std::string modifier = "none";  // none log log1p log2p ln ln1p ln2p square sqrt reciprocal
  std::optional<double> missing;
};

class FunctionScoreQuery : public Query {
 public:
  std::unique_ptr<Query> query;  // match_all when not given
  std::vector<ScoreFunction> functions;
  std::string score_mode = "multiply";  // multiply sum avg first max min
  std::string boost_mode = "multiply";  // multiply replace sum avg max min
  float max_boost = 3.4028235e38f;
  std::optional<float> min_score;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override {
    if (query) query->CollectHighlightTerms(index, out);
  }
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    if (query) visit(*query);
    for (const auto& f : functions) {
      if (f.filter) visit(*f.filter);
    }
  }
};

}  // namespace sluice::search
