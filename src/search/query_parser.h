// Parsing of the query DSL (the "query" object of a search request) into a
// Query tree. Errors are parsing_exception / illegal_argument_exception
// Statuses worded as OpenSearch words them. Internal to search/: it exposes
// RapidJSON, so only search's .cc files include it.
#pragma once

#include <rapidjson/document.h>

#include <memory>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

util::Result<std::unique_ptr<Query>> ParseQuery(const rapidjson::Value& query);
// The body of a `hybrid` query (hybrid_query.cc).
util::Result<std::unique_ptr<Query>> ParseHybridQuery(const rapidjson::Value& body);
// The body of an `intervals` query (intervals_parser.cc).
util::Result<std::unique_ptr<Query>> ParseIntervalsQuery(const rapidjson::Value& body);

}  // namespace sluice::search
