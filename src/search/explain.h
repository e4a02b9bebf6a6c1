// Explain: a document's score explanation (`explain: true` on _search, and
// GET /<index>/_explain/<id>), in Lucene's Explanation shape: value,
// description, details. BM25-scored text queries give Lucene's tree (boost,
// idf, tf with their inputs); their sums (`bool`, multi-term `match`,
// `dis_max`) give "sum of:" / "max of:" over their clauses; other queries give
// their score without a breakdown. The root value is the document's score.
// Hold the index's ReadGuard.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "index/index.h"
#include "json/json_writer.h"
#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

void WriteExplanation(const Explanation& e, json::JsonWriter& w);

// The explanation of doc under query; nullopt when the query does not match it.
util::Result<std::optional<Explanation>> ExplainDoc(const Query& query, const index::Index& index,
                                                    index::DocNo doc);

}  // namespace sluice::search
