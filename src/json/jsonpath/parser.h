// Parser: RFC 9535 JSONPath text -> internal::Query, with the RFC's
// well-typedness rules for filter expressions and function calls.
//
// Errors are util::InvalidArgument statuses (illegal_argument_exception) whose
// reason names the 0-based character offset and what was expected, e.g.
//   invalid JSONPath at position 3: expected ']' or ',' but found 'x'
// Nesting (brackets, parentheses, filters) is limited so that a hostile query
// cannot exhaust the stack. Stateless apart from one call; not thread-safe to
// share an instance, but separate instances are independent.
#pragma once

#include <memory>
#include <string_view>

#include "json/jsonpath/ast.h"
#include "util/result.h"

namespace sluice::json::jsonpath::internal {

// Maximum nesting of filters, parentheses and function calls in one query.
inline constexpr int kMaxNestingDepth = 64;
// Maximum number of segments in one (sub)query.
inline constexpr size_t kMaxSegments = 1024;

util::Result<std::unique_ptr<Query>> ParseQuery(std::string_view text);

}  // namespace sluice::json::jsonpath::internal
