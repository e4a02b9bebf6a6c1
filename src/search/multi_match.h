// multi_match: one query text over several fields, as OpenSearch 2.19's
// MultiMatchQuery builds it.
//
// Fields (names, or simple patterns such as "text*"; none: the index's
// index.query.default_field, "*") are resolved against each index's mapping
// when the query runs: patterns take the text and keyword fields they match,
// unmapped names are ignored. Per type:
//   best_fields, most_fields, phrase, phrase_prefix, bool_prefix: one match
//     (match_phrase, match_phrase_prefix, match_bool_prefix) query per field,
//     boosted by the field's boost, combined by dis_max with tie_breaker
//     (default 0, 1 for most_fields: a sum);
//   cross_fields: fields grouped by search analyzer; a group of several text
//     fields scores each analyzed term across them with blended statistics
//     (Lucene's BlendedTermQuery: the largest document frequency, ties
//     broken towards the more frequent fields, capped by each field's
//     document count), the terms combined by operator and
//     minimum_should_match; the groups by dis_max.
// See query.h for the execution contract.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/query.h"

namespace sluice::search {

struct MultiMatchSpec {
  std::string type = "best_fields";                   // validated by the parser
  std::vector<std::pair<std::string, float>> fields;  // name or pattern, boost
  std::string text;
  bool require_all = false;  // operator "and"
  std::optional<std::string> minimum_should_match;
  std::optional<std::string> analyzer;
  bool zero_terms_all = false;
  int slop = 0;             // phrase, phrase_prefix
  int max_expansions = 50;  // phrase_prefix
  std::optional<float> tie_breaker;
  float boost = 1.0f;
};

class MultiMatchQuery : public Query {
 public:
  explicit MultiMatchQuery(MultiMatchSpec spec) : spec_(std::move(spec)) {}
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override;

  // Exposed for tests: the fields the query searches in index, with boosts.
  std::vector<std::pair<std::string, float>> ResolveFields(const index::Index& index) const;

 private:
  // The query this one is on index (fields resolved).
  util::Result<std::unique_ptr<Query>> Build(const index::Index& index) const;

  MultiMatchSpec spec_;
};

}  // namespace sluice::search
