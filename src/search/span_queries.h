// Span queries (span_term, span_multi, span_or, span_near, span_first,
// span_not), scored as Lucene's SpanWeight/SpanScorer: BM25 over the
// span's field with the idf of every distinct term the tree reads and, per
// document, freq = sum over its matching spans of 1 / (1 + width) (width:
// the slop a near span used, 0 for a term). Span enumeration follows
// Lucene's NearSpansOrdered (each clause's next span starting at or after the
// previous clause's end, the gaps summed) and NearSpansUnordered (the window
// of every clause's current span, its length minus theirs). Internal to
// search/ (exposes RapidJSON); see query.h for the execution contract.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string_view>

#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

bool IsSpanQuery(std::string_view name);
util::Result<std::unique_ptr<Query>> ParseSpanQuery(std::string_view name,
                                                    const rapidjson::Value& body);

}  // namespace sluice::search
