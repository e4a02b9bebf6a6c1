// term/terms/range/exists on the mapping types with typed values
// (unsigned_long, date_nanos, ip, binary, constant_keyword, the range types),
// compared in their own domain as OpenSearch does (exact 64-bit unsigned
// values, nanoseconds, 128-bit addresses and CIDR blocks, range relations),
// rather than as the doubles or strings the generic scans compare.
//
// Each returns nullopt when the field's type is not one of those, and the
// caller's generic path applies. Same contract as Query::Execute (read guard
// held, docs sorted by doc number).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "search/queries.h"

namespace sluice::search {

std::optional<util::Result<DocList>> TypedTerms(const index::Index& index,
                                                const index::FieldMapping& field,
                                                const std::string& path,
                                                const std::vector<QueryValue>& values, float boost);

// relation: "intersects" (default), "within" or "contains" (range fields only).
std::optional<util::Result<DocList>> TypedRange(const index::Index& index,
                                                const index::FieldMapping& field,
                                                const std::string& path,
                                                const std::optional<RangeQuery::Bound>& lower,
                                                const std::optional<RangeQuery::Bound>& upper,
                                                const std::string& relation, float boost);

// constant_keyword: every document has the value.
std::optional<util::Result<DocList>> TypedExists(const index::Index& index,
                                                 const index::FieldMapping& field, float boost);

}  // namespace sluice::search
