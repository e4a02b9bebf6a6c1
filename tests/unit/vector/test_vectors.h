// Helpers for vector/ tests: random vectors and the shared ANN data sets (SLUICE_TESTDATA_DIR).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::vector::testing {

inline std::vector<float> RandomVectors(size_t n, size_t dim, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> out(n * dim);
  for (float& v : out) v = dist(gen);
  return out;
}

inline std::vector<uint64_t> Iota(size_t n, uint64_t first = 0) {
  std::vector<uint64_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = first + i;
  return out;
}

inline std::string DataPath(const std::string& relative) {
  return std::string(SLUICE_TESTDATA_DIR) + "/" + relative;
}

// Parses every number in `text` separated by any of `separators`, skipping other characters.
inline std::vector<double> Numbers(const std::string& text) {
  std::vector<double> out;
  const char* p = text.c_str();
  while (*p) {
    if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '.') {
      char* end = nullptr;
      out.push_back(std::strtod(p, &end));
      p = end;
    } else {
      ++p;
    }
  }
  return out;
}

inline std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace sluice::vector::testing
