// The reason OpenSearch's REST layer gives for unknown metrics and parameters
// (BaseRestHandler#unrecognized), with its suggestions:
//   request [/_nodes/stats/transprot] contains unrecognized metric: [transprot] -> did you mean [transport]?
// A candidate is suggested when its Levenshtein similarity to the unknown word
// (1 - edits / longer length, as Lucene's LevenshteinDistance) exceeds 0.5;
// several are listed most similar first ("did you mean any of [a, b]?").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::api {

// `invalid` in the order to report them (OpenSearch sorts them); `kind` is
// "metric", "index metric" or "parameter" (pluralised for several).
std::string UnrecognizedReason(std::string_view path, const std::vector<std::string>& invalid,
                               const std::vector<std::string_view>& candidates,
                               std::string_view kind);

// Lucene's LevenshteinDistance#getDistance: 1 - edits / max(length); 1 for equal strings.
float LevenshteinSimilarity(std::string_view a, std::string_view b);

}  // namespace sluice::api
