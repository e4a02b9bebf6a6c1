// JsonPath: a compiled RFC 9535 JSONPath query, evaluated over simdjson DOM
// values.
//
//   SLUICE_ASSIGN_OR_RETURN(JsonPath path, JsonPath::Compile("$.content[0]"));
//   simdjson::dom::element record = ...;        // parsed once by the caller
//   if (auto v = path.EvaluateSingular(record)) { ... *v ... }
//
// Compile once (per field_map entry), evaluate per record. Compile() rejects
// invalid queries with an illegal_argument_exception whose reason names the
// 0-based character offset and what was expected.
//
// Results are handles into the caller's document: nothing is copied, and they
// are valid as long as the caller's simdjson parser/document is.
//
// Thread-safety: a JsonPath is immutable; copies share the compiled query, and
// any number of threads may evaluate the same JsonPath concurrently.
//
// simdjson stays out of this header: simdjson::dom::element is only forward
// declared, so callers that evaluate must include <simdjson.h> themselves (they
// need it to parse anyway).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace simdjson::dom {
class element;
}

namespace sluice::json::jsonpath {

namespace internal {
struct Query;
}

class JsonPath {
 public:
  static util::Result<JsonPath> Compile(std::string_view expression);

  // The text the query was compiled from.
  const std::string& expression() const { return expression_; }

  // True when the query uses only child name and index selectors, so it
  // selects at most one node (RFC 9535 "singular query").
  bool IsSingular() const;

  // Fast path for singular queries: the selected node, or nullopt when there is
  // none (or the query is not singular). Does not allocate.
  std::optional<simdjson::dom::element> EvaluateSingular(const simdjson::dom::element& root) const;

  // Appends the query's nodelist over `root` to *nodes, in RFC order. Fails
  // (illegal_argument_exception) only when the evaluation would recurse deeper
  // or work longer than the evaluator allows (extremely deep documents with
  // nested filters, or `$..*..*..*` over large documents: ~10M steps); *nodes
  // is then incomplete.
  util::Status Evaluate(const simdjson::dom::element& root,
                        std::vector<simdjson::dom::element>* nodes) const;

  // As Evaluate(), also appending each node's normalized path ("$['a'][0]")
  // to *paths. Slower: formats one string per node.
  util::Status EvaluateWithPaths(const simdjson::dom::element& root,
                                 std::vector<simdjson::dom::element>* nodes,
                                 std::vector<std::string>* paths) const;

 private:
  JsonPath(std::string expression, std::shared_ptr<const internal::Query> query);

  std::string expression_;
  std::shared_ptr<const internal::Query> query_;
};

}  // namespace sluice::json::jsonpath
