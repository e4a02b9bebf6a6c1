// match_phrase_prefix (and multi_match type phrase_prefix): a phrase whose
// last term is a prefix, scored as OpenSearch 2.19 scores it.
//
// OpenSearch builds a MultiPhrasePrefixQuery: the last term expands to the
// first max_expansions terms of the field that start with it (in term
// order), and the query becomes Lucene's MultiPhraseQuery, whose last
// position matches any expansion. Its BM25 weight sums the idf of every
// term, expansions included; a single-term query is a disjunction of the
// expansions' term queries. See query.h for the execution contract.
#pragma once

#include <optional>
#include <string>

#include "search/query.h"

namespace sluice::search {

class MatchPhrasePrefixQuery : public Query {
 public:
  std::string field;
  std::string text;
  int slop = 0;
  int max_expansions = 50;
  std::optional<std::string> analyzer;
  bool zero_terms_all = false;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
};

}  // namespace sluice::search
