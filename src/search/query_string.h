// query_string and simple_query_string: Lucene's query syntaxes turned into a
// Query tree of text queries (text_queries.h) combined as Lucene's parsers
// combine them, so scores equal OpenSearch's.
//
// query_string (Lucene's classic QueryParser): terms, "phrases", field:value,
// AND / && , OR / ||, NOT / !, +term, -term, (groups), term^boost, and
// trailing-* prefixes; clauses are combined by Lucene's addClause rules with
// default_operator. simple_query_string (SimpleQueryParser): + (and), | (or),
// - (not, scored with a match_all beside it), "phrases", prefix*, (groups);
// no field:value. Several default fields: per term, the best field
// (query_string, dis_max tie 0) or the sum over fields (simple_query_string).
// Errors (unbalanced quotes or parentheses in query_string) are parsing
// errors worded as OpenSearch's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

struct QueryStringOptions {
  bool simple = false;                                // simple_query_string syntax
  std::vector<std::pair<std::string, float>> fields;  // default fields and their boosts
  bool default_and = false;                           // default_operator AND
  std::optional<std::string> analyzer;
  int phrase_slop = 0;
  float boost = 1.0f;
};

// Parses the query with the given default fields (which must not be empty
// when the query has terms without a field).
util::Result<std::unique_ptr<Query>> ParseQueryString(std::string_view query,
                                                      const QueryStringOptions& options);

// The query as written; parsed again at execution so that no default fields
// means every text field of the index (index.query.default_field "*").
class QueryStringQuery : public Query {
 public:
  std::string text;
  QueryStringOptions options;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
};

// The query of a `?q=` URL parameter (Lucene syntax, as query_string), with
// `df` (default field; empty: every text field) and `default_operator`.
util::Result<std::unique_ptr<Query>> UriQuery(std::string_view q, std::string_view df,
                                              std::string_view default_operator);

}  // namespace sluice::search
