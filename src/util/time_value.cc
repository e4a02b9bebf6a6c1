#include "util/time_value.h"

#include <cctype>
#include <string>

namespace sluice::util {

std::optional<int64_t> ParseTimeValueMs(std::string_view text, size_t max_digits) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string_view unit = text.substr(digits);
  int64_t mult = unit == "ms"  ? 1
                 : unit == "s" ? 1000
                 : unit == "m" ? 60000
                 : unit == "h" ? 3600000
                 : unit == "d" ? 86400000
                               : 0;
  if (digits == 0 || mult == 0 || digits > max_digits) return std::nullopt;
  return std::stoll(std::string(text.substr(0, digits))) * mult;
}

}  // namespace sluice::util
