// `sluice search --index NAME --vector '[...]' | --vector-from FILE:LINE`: a
// quick k-NN check from the shell. Prints rank, _id, _score (and chosen
// _source fields) as a table. The vector field defaults to the index's first
// knn_vector field; a vector taken from a JSONL line is found with
// --vector-path, or at the known places of SageMaker, OpenAI and Bedrock
// output. Exit code 0 on success, 1 when the search is refused, 2 when the
// input is unusable or sluice could not be reached.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddSearchCommand(CLI::App& app);

}  // namespace sluice::cli
