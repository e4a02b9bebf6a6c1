#include "cli/jsonpath_command.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "json/jsonpath/run_json_path.h"

namespace sluice::cli {
namespace {

struct JsonPathOptions {
  std::string expression;
  std::string file;  // empty or "-" for stdin
};

void RunJsonPathCommand(const JsonPathOptions& options) {
  std::ifstream file_stream;
  std::istream* in = &std::cin;
  if (!options.file.empty() && options.file != "-") {
    file_stream.open(options.file, std::ios::binary);
    if (!file_stream) {
      std::cerr << "sluice jsonpath: cannot open " << options.file << "\n";
      throw CLI::RuntimeError(1);
    }
    in = &file_stream;
  }
  auto summary = json::jsonpath::RunJsonPath(options.expression, *in, std::cout, std::cerr);
  std::cout.flush();
  if (!summary.ok()) {
    std::cerr << "sluice jsonpath: " << summary.status().reason() << "\n";
    throw CLI::RuntimeError(2);
  }
  if (summary->bad_documents > 0) {
    std::cerr << "sluice jsonpath: " << summary->bad_documents << " of "
              << (summary->documents + summary->bad_documents) << " documents failed\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void AddJsonPathCommand(CLI::App& app) {
  auto options = std::make_shared<JsonPathOptions>();
  CLI::App* cmd = app.add_subcommand(
      "jsonpath",
      "Evaluate a JSONPath (RFC 9535) over a JSON or JSONL file and print the nodelists");
  cmd->add_option("expression", options->expression, "JSONPath query, e.g. '$.content[0]'")
      ->required();
  cmd->add_option("file", options->file, "JSON or JSONL file (default: stdin)");
  cmd->callback([options]() { RunJsonPathCommand(*options); });
}

}  // namespace sluice::cli
