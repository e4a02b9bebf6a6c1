#include "json/jsonpath/json_path.h"

#include <simdjson.h>

#include <utility>

#include "json/jsonpath/ast.h"
#include "json/jsonpath/evaluator.h"
#include "json/jsonpath/parser.h"

namespace sluice::json::jsonpath {

util::Result<JsonPath> JsonPath::Compile(std::string_view expression) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<internal::Query> query, internal::ParseQuery(expression));
  return JsonPath(std::string(expression),
                  std::shared_ptr<const internal::Query>(std::move(query)));
}

JsonPath::JsonPath(std::string expression, std::shared_ptr<const internal::Query> query)
    : expression_(std::move(expression)), query_(std::move(query)) {}

bool JsonPath::IsSingular() const { return query_->singular; }

std::optional<simdjson::dom::element> JsonPath::EvaluateSingular(
    const simdjson::dom::element& root) const {
  simdjson::dom::element out;
  if (!query_->singular || !internal::EvaluateSingularQuery(*query_, root, &out)) {
    return std::nullopt;
  }
  return out;
}

namespace {
util::Status TooDeep(const std::string& expression) {
  return util::InvalidArgument("JSONPath [" + expression +
                               "] exceeded the evaluation depth or work limit on this document");
}
}  // namespace

util::Status JsonPath::Evaluate(const simdjson::dom::element& root,
                                std::vector<simdjson::dom::element>* nodes) const {
  if (!internal::EvaluateQuery(*query_, root, nodes, nullptr)) return TooDeep(expression_);
  return util::Status::Ok();
}

util::Status JsonPath::EvaluateWithPaths(const simdjson::dom::element& root,
                                         std::vector<simdjson::dom::element>* nodes,
                                         std::vector<std::string>* paths) const {
  if (!internal::EvaluateQuery(*query_, root, nodes, paths)) return TooDeep(expression_);
  return util::Status::Ok();
}

}  // namespace sluice::json::jsonpath
