// RunJsonPath: the engine behind `sluice jsonpath 'EXPR' [FILE]`, a tool for
// trying out field_map expressions on real files.
//
// Reads all of `in` (the tool inspects samples; ingestion streams instead). If
// the whole input is one JSON value it is one document (so pretty-printed JSON
// works); otherwise each non-blank line is a JSONL document. For each document
// one line is written to `out`: the nodelist as a JSON array. A line that is not
// valid JSON gets a message on `err` ("line N: ...") and is skipped.
//
// Returns the invalid-expression error (illegal_argument_exception) before
// reading anything; otherwise a summary. Not thread-safe with respect to the
// streams it is given; otherwise stateless.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string_view>

#include "util/result.h"

namespace sluice::json::jsonpath {

struct RunJsonPathSummary {
  size_t documents = 0;      // documents evaluated
  size_t bad_documents = 0;  // lines that were not valid JSON (or failed to evaluate)
};

util::Result<RunJsonPathSummary> RunJsonPath(std::string_view expression, std::istream& in,
                                             std::ostream& out, std::ostream& err);

}  // namespace sluice::json::jsonpath
