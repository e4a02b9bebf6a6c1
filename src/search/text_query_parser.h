// Parsing of the full-text and scoring queries (match, match_phrase,
// match_phrase_prefix, match_bool_prefix, multi_match, dis_max, query_string,
// simple_query_string, function_score) into text_queries.h's,
// phrase_prefix_query.h's, multi_match.h's, query_string.h's and
// function_score.h's Query types. Internal to search/ (exposes RapidJSON);
// query_parser.cc dispatches to it.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string_view>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

bool IsTextQuery(std::string_view name);
util::Result<std::unique_ptr<Query>> ParseTextQuery(std::string_view name,
                                                    const rapidjson::Value& body);

}  // namespace sluice::search
