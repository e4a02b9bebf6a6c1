#include "util/wildcard.h"

namespace sluice::util {

bool WildcardMatch(std::string_view pattern, std::string_view text, WildcardOptions options) {
  // Greedy scan with backtracking to the last '*': linear in practice. A '*'
  // that may not cover `star_stops_at` stops backtracking there.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() &&
               (pattern[p] == text[t] || (options.question_mark && pattern[p] == '?'))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos &&
               (options.star_stops_at == '\0' || text[mark] != options.star_stops_at)) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace sluice::util
