// Evaluator: runs an internal::Query against a simdjson DOM document.
//
// Results are element handles into the caller's document (no copies); they stay
// valid as long as the caller's simdjson parser/document does. Evaluation only
// reads the Query and the document, so concurrent evaluations are safe.
// Recursion (segments, descendants, nested filters) is bounded by
// kMaxEvaluationDepth and total work by kMaxEvaluationSteps (queries such as
// `$..*..*..*` are polynomial in the document size); an evaluation that reaches
// either stops and reports failure instead of overflowing the stack or hanging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "json/jsonpath/ast.h"

namespace simdjson::dom {
class element;
}

namespace sluice::json::jsonpath::internal {

inline constexpr int kMaxEvaluationDepth = 3000;
inline constexpr int64_t kMaxEvaluationSteps = 10'000'000;

// Appends the nodelist of `query` over `root` to *nodes and, when `paths` is
// not null, the normalized path of each node to *paths. Returns false if the
// depth or step limit was reached (the output is then incomplete).
bool EvaluateQuery(const Query& query, const simdjson::dom::element& root,
                   std::vector<simdjson::dom::element>* nodes, std::vector<std::string>* paths);

// For a singular query: the node it selects, without allocating. Returns false
// when nothing is selected.
bool EvaluateSingularQuery(const Query& query, const simdjson::dom::element& root,
                           simdjson::dom::element* out);

}  // namespace sluice::json::jsonpath::internal
