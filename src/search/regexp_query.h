// regexp: documents with a term (text fields) or a value (keyword fields)
// that the whole Lucene regular expression matches, constant score (the
// boost), as OpenSearch's RegexpQueryBuilder with its default
// constant-score rewrite.
//
// The pattern is Lucene's RegExp syntax with the given flags (lucene_regexp.h),
// run by RE2 in linear time, so Lucene's determinization has no analogue:
// max_determinized_states bounds only what RE2 may compile (a pattern RE2
// finds too large is refused with Lucene's message). Errors raised when the
// query runs (pattern longer than index.max_regex_length, bad syntax, a
// field that is neither text nor keyword) come in the shard-failure shape of
// search_errors.h. See query.h for the execution contract.
#pragma once

#include <string>

#include "search/query.h"

namespace sluice::search {

class RegexpQuery : public Query {
 public:
  std::string field;
  std::string pattern;
  int flags = 0xff;  // lucene_regexp.h's kRegexpAll
  bool case_insensitive = false;
  int max_determinized_states = 10000;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
};

}  // namespace sluice::search
