// `sluice serve`: the OpenSearch-compatible server on a data directory.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddServeCommand(CLI::App& app);

}  // namespace sluice::cli
