// Highlight: the `highlight` section of a search request and the hit's
// "highlight" object, as OpenSearch's unified highlighter builds it.
//
// The terms come from the query (Query::CollectHighlightTerms: match,
// match_phrase, multi_match, query_string, term on text fields, through
// bool/dis_max/constant_score/function_score); the field's values come from
// _source, analyzed with the field's index analyzer, values joined as
// OpenSearch joins them; passages as text/passage_highlighter.h. `type`
// `unified` (default) and `plain` both use the unified highlighter's passages
// (see docs/rest-api.md); `fvh`, `highlight_query`, `no_match_size`,
// `tags_schema` and the html encoder are refused with a 400. Internal to
// search/ (exposes RapidJSON). Hold the index's ReadGuard.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

#include "index/index.h"
#include "search/query.h"
#include "text/passage_highlighter.h"
#include "util/result.h"

namespace sluice::search {

struct HighlightSpec {
  struct Field {
    std::string pattern;  // a field name or a `*` pattern
    text::HighlightOptions options;
    bool require_field_match = true;
    std::optional<int> max_analyzer_offset;  // analyze only this many chars, no limit error
  };
  std::vector<Field> fields;
};

util::Result<HighlightSpec> ParseHighlight(const rapidjson::Value& v);

// The hit's "highlight" object as JSON; nullopt when no field has a fragment.
// id: the hit's _id (named in the error of a field over index.highlight.max_analyzed_offset).
util::Result<std::optional<std::string>> HighlightJson(const index::Index& index,
                                                       std::string_view id, std::string_view source,
                                                       const HighlightSpec& spec,
                                                       const HighlightTerms& terms);

}  // namespace sluice::search
