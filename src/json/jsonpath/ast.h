// The compiled form of an RFC 9535 JSONPath query: an immutable tree built by
// the Parser and walked by the Evaluator. Internal to json/jsonpath; callers use
// JsonPath (json_path.h).
//
// A Query owns everything it refers to (names, literals, precompiled regular
// expressions). Once built it is never mutated, so one Query may be evaluated
// from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json/jsonpath/iregexp.h"

namespace sluice::json::jsonpath::internal {

struct FilterExpr;

enum class SelectorKind { kName, kIndex, kWildcard, kSlice, kFilter };

// start:end:step; absent bounds take the RFC defaults, which depend on the sign of step.
struct Slice {
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  int64_t step = 1;
};

struct Selector {
  SelectorKind kind = SelectorKind::kWildcard;
  std::string name;                    // kName: the unescaped member name
  int64_t index = 0;                   // kIndex
  Slice slice;                         // kSlice
  std::unique_ptr<FilterExpr> filter;  // kFilter: a logical expression
};

struct Segment {
  bool descendant = false;  // `..` segment
  std::vector<Selector> selectors;
};

// One step of a singular query (a name or an index), for the allocation-free path.
struct SingularStep {
  bool is_name = false;
  std::string name;
  int64_t index = 0;
};

struct Query {
  bool relative = false;  // starts at `@` (filter queries) instead of `$`
  std::vector<Segment> segments;
  // Set when every segment is a child segment with one name or index selector;
  // `steps` then repeats the segments in a flat form.
  bool singular = false;
  std::vector<SingularStep> steps;
};

enum class ExprKind {
  kOr,        // children: operands
  kAnd,       // children: operands
  kNot,       // children[0]
  kCompare,   // children[0] op children[1]; both comparables
  kExists,    // query is non-empty
  kLiteral,   // literal (only as a comparable or function argument)
  kQuery,     // query as a value or nodelist (comparables and function arguments)
  kFunction,  // function(children...)
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

enum class FunctionId { kLength, kCount, kMatch, kSearch, kValue };

struct Literal {
  enum class Kind { kNull, kTrue, kFalse, kInt, kDouble, kString };
  Kind kind = Kind::kNull;
  int64_t int_value = 0;    // kInt
  double double_value = 0;  // kDouble
  std::string string;       // kString, unescaped UTF-8
};

struct FilterExpr {
  ExprKind kind = ExprKind::kLiteral;
  size_t pos = 0;  // offset in the query text, for error messages
  std::vector<std::unique_ptr<FilterExpr>> children;
  CompareOp op = CompareOp::kEq;              // kCompare
  Literal literal;                            // kLiteral
  Query query;                                // kExists, kQuery
  FunctionId function = FunctionId::kLength;  // kFunction
  // match()/search() whose pattern is a string literal: compiled once here.
  // Null when the pattern is not a literal (`pattern_is_literal` false) or is
  // not a valid I-Regexp (the function is then false for every node).
  std::unique_ptr<Regex> regex;
  bool pattern_is_literal = false;
};

}  // namespace sluice::json::jsonpath::internal
