// How a knn vector is stored in Column::kVectors: its floats as little-endian
// IEEE 754 binary32, nothing else (the dimension is the mapping's).
#pragma once

#include <bit>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::index {

static_assert(std::endian::native == std::endian::little,
              "vectors are stored as the host's floats, which must be little-endian");

inline std::string EncodeFloats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// Appends the floats of `value` to *out; false when it is not `dimension` floats.
inline bool AppendFloats(std::string_view value, size_t dimension, std::vector<float>* out) {
  if (value.size() != dimension * sizeof(float)) return false;
  size_t at = out->size();
  out->resize(at + dimension);
  std::memcpy(out->data() + at, value.data(), value.size());
  return true;
}

}  // namespace sluice::index
