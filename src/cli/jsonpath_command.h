// `sluice jsonpath 'EXPR' [FILE]`: evaluates a JSONPath (RFC 9535) over a JSON
// document or a JSONL file (FILE, or stdin when absent or "-") and prints each
// document's nodelist as a JSON array on one line.
//
// Exit status: 2 for an invalid expression (the parse error is printed), 1 if
// any line was not valid JSON (each reported on stderr; the others are still
// evaluated), 0 otherwise. The work is done by json::jsonpath::RunJsonPath().
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// Adds the `jsonpath` subcommand and its callback to `app`.
void AddJsonPathCommand(CLI::App& app);

}  // namespace sluice::cli
