// sluice: the command line. Wires the modules together; nothing else does.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/create_index_command.h"
#include "cli/ingest_command.h"
#include "cli/jsonpath_command.h"
#include "cli/search_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "sluice: load embedding batch outputs into k-NN indexes and search them over the "
      "OpenSearch REST API"};
  app.footer(R"(Quick start:
  sluice serve --data-dir ./data &                      # or: make run
  sluice create-index docs --dimension 384 --server http://127.0.0.1:9200
  sluice ingest --server http://127.0.0.1:9200 --index docs \
      --field-map '{"embedding":"$.SageMakerOutput[0]","_id":"$.id"}' ./output.json.out
  sluice search --server http://127.0.0.1:9200 --index docs --vector-from ./output.json.out:1

Without --server, create-index, ingest and search work in-process on --data-dir
(no server needed; not while a server has that directory open).
Run 'sluice COMMAND --help' for a command's flags and examples;
examples/quickstart.sh walks through the REST API with curl.)");
  app.require_subcommand(1);
  sluice::cli::AddServeCommand(app);
  sluice::cli::AddCreateIndexCommand(app);
  sluice::cli::AddIngestCommand(app);
  sluice::cli::AddSearchCommand(app);
  sluice::cli::AddJsonPathCommand(app);
  app.add_subcommand("version", "Print the version")->callback([]() {
    std::cout << "sluice " << SLUICE_VERSION << "\n";
  });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
