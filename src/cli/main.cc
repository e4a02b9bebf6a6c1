// sluice: the command line. Wires the modules together; nothing else does.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/jsonpath_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "sluice: load embedding batch outputs into k-NN indexes and search them over the "
      "OpenSearch REST API"};
  app.require_subcommand(1);
  sluice::cli::AddServeCommand(app);
  sluice::cli::AddJsonPathCommand(app);
  app.add_subcommand("version", "Print the version")->callback([]() {
    std::cout << "sluice " << SLUICE_VERSION << "\n";
  });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
