// Parsing of a search body's `sort` and `search_after` values. Internal to
// search/ (it exposes RapidJSON). Errors are parsing_exception or
// illegal_argument_exception as OpenSearch words them.
#pragma once

#include <rapidjson/document.h>

#include <vector>

#include "search/sort.h"
#include "util/result.h"

namespace sluice::search {

// "f", {"f": "desc"}, {"f": {"order", "missing", "mode", "unmapped_type"}},
// or an array of those; "_score" defaults to descending, the rest ascending.
util::Result<SortSpec> ParseSort(const rapidjson::Value& value);
util::Result<std::vector<SortParam>> ParseSearchAfter(const rapidjson::Value& value);

}  // namespace sluice::search
