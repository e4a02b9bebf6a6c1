// Parsing of a knn_vector field's mapping parameters into a vector::KnnMethod,
// with the k-NN plugin's validation messages (knn spec §2.5).
#pragma once

#include <string_view>

#include "util/result.h"
#include "vector/knn_method.h"

namespace sluice::index {

// field_json: the field's mapping object ({"type":"knn_vector","dimension":3,...}).
// knn_enabled: the index.knn setting. Returns the inner error (the caller wraps
// it in "Failed to parse mapping [_doc]: ...").
util::Result<vector::KnnMethod> ParseKnnFieldMapping(std::string_view field,
                                                     std::string_view field_json,
                                                     bool knn_enabled);

}  // namespace sluice::index
