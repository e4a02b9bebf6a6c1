// Exact distance functions in the OpenSearch k-NN plugin's definitions (knn spec §3.1):
//   l2 = squared Euclidean, l1 = Σ|x-y|, linf = max|x-y|, innerproduct = -(x·y),
//   cosinesimil = 1 - cos(x, y) (0 vectors give cos = 0).
// Pure functions over raw float arrays of `dim` elements; thread-safe. Used by exact (brute
// force) search inside vector/ and by script scoring (knn_score) above it. Hamming is not
// computed here (binary vectors are not supported yet) and returns NaN.
#pragma once

#include <cstddef>

#include "vector/knn_method.h"

namespace sluice::vector {

float L2SquaredDistance(const float* a, const float* b, size_t dim);
float DotProduct(const float* a, const float* b, size_t dim);
float L1Distance(const float* a, const float* b, size_t dim);
float LInfDistance(const float* a, const float* b, size_t dim);

// Distance of `space` between two raw (not normalized) vectors.
float Distance(SpaceType space, const float* a, const float* b, size_t dim);

// Scales `v` to unit L2 norm in place; returns false (leaving v unchanged) for a zero vector.
bool NormalizeL2(float* v, size_t dim);

}  // namespace sluice::vector
