// `sluice create-index NAME --dimension D`: a shortcut that writes the same
// k-NN mapping a user would PUT /NAME (index.knn true, one or more
// knn_vector fields with an HNSW method, optional text/keyword fields),
// in-process on a data directory or through --server URL. --dry-run prints
// the body instead. Exit code 0 created, 1 refused (e.g. it exists), 2 when
// sluice could not be reached.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddCreateIndexCommand(CLI::App& app);

}  // namespace sluice::cli
