#include "util/split.h"

namespace sluice::util {

std::vector<std::string> SplitNonEmpty(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t at = text.find(separator, start);
    std::string_view part = text.substr(start, at == text.npos ? text.npos : at - start);
    if (!part.empty()) parts.emplace_back(part);
    if (at == text.npos) break;
    start = at + 1;
  }
  return parts;
}

}  // namespace sluice::util
