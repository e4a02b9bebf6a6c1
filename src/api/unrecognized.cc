#include "api/unrecognized.h"

#include <algorithm>
#include <utility>

namespace sluice::api {

float LevenshteinSimilarity(std::string_view a, std::string_view b) {
  if (a == b) return 1.0f;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  size_t longer = std::max(a.size(), b.size());
  return 1.0f - static_cast<float>(row[b.size()]) / static_cast<float>(longer);
}

std::string UnrecognizedReason(std::string_view path, const std::vector<std::string>& invalid,
                               const std::vector<std::string_view>& candidates,
                               std::string_view kind) {
  std::string out = "request [" + std::string(path) + "] contains unrecognized " +
                    std::string(kind) + (invalid.size() > 1 ? "s" : "") + ": ";
  for (size_t i = 0; i < invalid.size(); ++i) {
    std::vector<std::pair<float, std::string_view>> scored;
    for (std::string_view c : candidates) {
      float similarity = LevenshteinSimilarity(invalid[i], c);
      if (similarity > 0.5f) scored.emplace_back(similarity, c);
    }
    std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    if (i > 0) out += ", ";
    out += "[" + invalid[i] + "]";
    if (scored.empty()) continue;
    out += " -> did you mean ";
    if (scored.size() == 1) {
      out += "[" + std::string(scored[0].second) + "]";
    } else {
      out += "any of [";
      for (size_t k = 0; k < scored.size(); ++k) {
        if (k > 0) out += ", ";
        out += scored[k].second;
      }
      out += "]";
    }
    out += "?";
  }
  return out;
}

}  // namespace sluice::api
