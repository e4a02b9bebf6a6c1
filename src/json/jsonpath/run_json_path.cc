#include "json/jsonpath/run_json_path.h"

#include <simdjson.h>

#include <istream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "json/jsonpath/json_path.h"

namespace sluice::json::jsonpath {
namespace {

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Evaluates and prints one document; false (with a message on err) on failure.
bool PrintNodelist(const JsonPath& path, simdjson::dom::element doc, std::ostream& out,
                   std::ostream& err, size_t line) {
  std::vector<simdjson::dom::element> nodes;
  util::Status status = path.Evaluate(doc, &nodes);
  if (!status.ok()) {
    err << "line " << line << ": " << status.reason() << "\n";
    return false;
  }
  out << '[';
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out << ',';
    out << simdjson::minify(nodes[i]);
  }
  out << "]\n";
  return true;
}

}  // namespace

util::Result<RunJsonPathSummary> RunJsonPath(std::string_view expression, std::istream& in,
                                             std::ostream& out, std::ostream& err) {
  SLUICE_ASSIGN_OR_RETURN(JsonPath path, JsonPath::Compile(expression));
  std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RunJsonPathSummary summary;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;

  if (parser.parse(input).get(doc) == simdjson::SUCCESS) {
    ++summary.documents;
    if (!PrintNodelist(path, doc, out, err, 1)) ++summary.bad_documents;
    return summary;
  }
  size_t line_no = 0;
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    std::string_view line(input.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (IsBlankLine(line)) continue;
    simdjson::error_code error = parser.parse(line.data(), line.size()).get(doc);
    if (error != simdjson::SUCCESS) {
      err << "line " << line_no << ": invalid JSON: " << simdjson::error_message(error) << "\n";
      ++summary.bad_documents;
      continue;
    }
    ++summary.documents;
    if (!PrintNodelist(path, doc, out, err, line_no)) ++summary.bad_documents;
  }
  return summary;
}

}  // namespace sluice::json::jsonpath
