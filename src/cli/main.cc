// sluice: the command line. Wires the modules together; nothing else does.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/create_index_command.h"
#include "cli/ingest_command.h"
#include "cli/jsonpath_command.h"
#include "cli/predict_command.h"
#include "cli/search_command.h"
#include "cli/serve_command.h"
#include "cli/users_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "sluice: load embedding batch outputs into k-NN indexes and search them over the "
      "OpenSearch REST API"};
  app.footer(R"(Quick start (in-process on ./data, no server needed):
  sluice create-index docs --dimension 384
  sluice ingest --index docs \
      --field-map '{"embedding":"$.SageMakerOutput[0]","text":"$.content[0]","_id":"$.id"}' \
      ./output.json.out
  sluice search --index docs --vector-from ./output.json.out:1 --show text
  sluice serve                  # then serve ./data over the OpenSearch REST API (make run)

create-index, ingest and search also talk to a running server with --server URL
(in-process they cannot open a data dir that a server holds).
Run 'sluice COMMAND --help' for a command's flags and examples;
examples/quickstart.sh walks through the REST API with curl.)");
  app.require_subcommand(1);
  sluice::cli::AddServeCommand(app);
  sluice::cli::AddCreateIndexCommand(app);
  sluice::cli::AddIngestCommand(app);
  sluice::cli::AddSearchCommand(app);
  sluice::cli::AddPredictCommand(app);
  sluice::cli::AddJsonPathCommand(app);
  sluice::cli::AddUsersCommand(app);
  app.add_subcommand("version", "Print the version")->callback([]() {
    std::cout << "sluice " << SLUICE_VERSION << "\n";
  });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
