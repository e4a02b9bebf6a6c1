#include "json/jsonpath/normalized_path.h"

namespace sluice::json::jsonpath::internal {

std::string FormatNormalizedPath(const std::vector<PathStep>& steps) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "$";
  for (const PathStep& step : steps) {
    if (!step.is_name) {
      out += '[';
      out += std::to_string(step.index);
      out += ']';
      continue;
    }
    out += "['";
    for (char c : step.name) {
      switch (c) {
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\'':
          out += "\\'";
          break;
        case '\\':
          out += "\\\\";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\u00";
            out += kHex[(c >> 4) & 0xF];
            out += kHex[c & 0xF];
          } else {
            out += c;
          }
      }
    }
    out += "']";
  }
  return out;
}

}  // namespace sluice::json::jsonpath::internal
