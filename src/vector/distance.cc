#include "vector/distance.h"

#include <cmath>
#include <limits>

namespace sluice::vector {

float L2SquaredDistance(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float DotProduct(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

float L1Distance(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += std::fabs(a[i] - b[i]);
  return sum;
}

float LInfDistance(const float* a, const float* b, size_t dim) {
  float m = 0.0f;
  for (size_t i = 0; i < dim; ++i) m = std::fmax(m, std::fabs(a[i] - b[i]));
  return m;
}

float Distance(SpaceType space, const float* a, const float* b, size_t dim) {
  switch (space) {
    case SpaceType::kL2: return L2SquaredDistance(a, b, dim);
    case SpaceType::kL1: return L1Distance(a, b, dim);
    case SpaceType::kLInf: return LInfDistance(a, b, dim);
    case SpaceType::kInnerProduct: return -DotProduct(a, b, dim);
    case SpaceType::kCosineSimil: {
      float na = std::sqrt(DotProduct(a, a, dim));
      float nb = std::sqrt(DotProduct(b, b, dim));
      if (na == 0.0f || nb == 0.0f) return 1.0f;
      return 1.0f - DotProduct(a, b, dim) / (na * nb);
    }
    case SpaceType::kHamming: break;
  }
  return std::numeric_limits<float>::quiet_NaN();
}

bool NormalizeL2(float* v, size_t dim) {
  float norm = std::sqrt(DotProduct(v, v, dim));
  if (norm == 0.0f) return false;
  for (size_t i = 0; i < dim; ++i) v[i] /= norm;
  return true;
}

}  // namespace sluice::vector
