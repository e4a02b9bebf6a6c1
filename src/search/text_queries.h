// Full-text queries scored with BM25 exactly as OpenSearch 2.19 scores them
// (text/bm25.h): match, match_phrase, match_bool_prefix, term on text
// fields, and the compound dis_max. Their scores combine as Lucene's do:
// disjunctions and conjunctions sum their clauses in double and round to
// float once. See query.h for the execution contract.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "search/query.h"

namespace sluice::search {

// OpenSearch's minimum_should_match spec ("2", "-1", "75%", "-25%", "3<90%")
// applied to a number of optional clauses (Queries.calculateMinShouldMatch).
// nullopt: the spec is malformed.
std::optional<int> MinimumShouldMatch(std::string_view spec, int optional_clauses);

// Lucene's explanation of one text term's BM25 score in doc ("weight(f:t in doc)
// [PerFieldSimilarity], result of: score(freq=...), computed as boost * idf * tf from: ...");
// nullopt when doc does not hold the term.
util::Result<std::optional<Explanation>> ExplainTextTerm(const index::Index& index,
                                                         const std::string& field,
                                                         const std::string& term, float boost,
                                                         index::DocNo doc);

// One term of a text field, BM25-scored (Lucene's TermQuery). doc_freq
// overrides the term's document frequency in the idf (cross_fields' blended
// statistics, BlendedTermQuery).
util::Result<DocList> ScoreTextTerm(const index::Index& index, const std::string& field,
                                    const std::string& term, float boost,
                                    std::optional<int64_t> doc_freq = std::nullopt);

// Per-document sums of clause scores (each sorted by doc) in double, rounded
// to float once and times boost, as Lucene's disjunction and conjunction
// scorers do; keeps documents matched by at least min_match clauses.
DocList SumDocLists(const std::vector<DocList>& clauses, size_t min_match, float boost);

// Lucene's DisjunctionMaxScorer over clauses (each sorted by doc): the best
// score plus tie_breaker times the others', times boost.
DocList CombineDisMax(const std::vector<DocList>& clauses, float tie_breaker, float boost);

// Documents with a term of the field starting with prefix, constant score
// (Lucene's MultiTermQuery constant-score rewrite), at most 1024 terms expanded.
util::Result<DocList> TextPrefix(const index::Index& index, const std::string& field,
                                 const std::string& prefix, float boost);

class MatchQuery : public Query {
 public:
  std::string field;
  std::string text;
  bool require_all = false;  // operator "and"
  std::optional<std::string> minimum_should_match;
  std::optional<std::string> analyzer;  // overrides the field's search analyzer
  bool zero_terms_all = false;          // zero_terms_query "all"
  bool prefix_last = false;             // match_bool_prefix: the last term is a prefix
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override;
};

class MatchPhraseQuery : public Query {
 public:
  std::string field;
  std::string text;
  int slop = 0;
  std::optional<std::string> analyzer;
  bool zero_terms_all = false;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
};

// dis_max (and multi_match best_fields): the best clause's score plus
// tie_breaker times the others'.
class DisMaxQuery : public Query {
 public:
  std::vector<std::unique_ptr<Query>> queries;
  float tie_breaker = 0.0f;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override {
    for (const auto& q : queries) q->CollectHighlightTerms(index, out);
  }
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override;
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    for (const auto& q : queries) visit(*q);
  }
};

// Exposed for tests: Lucene's phrase frequency of one document, from each
// query term's positions in it and its offset in the query. slop 0 counts
// exact matches (ExactPhraseMatcher); otherwise the sum of 1 / (1 +
// match length) over SloppyPhraseMatcher's matches.
float PhraseFreq(const std::vector<const std::vector<int32_t>*>& positions,
                 const std::vector<int32_t>& offsets, int slop);

}  // namespace sluice::search
