// OpenSearch's simple wildcard match: `*` matches any run of characters
// (including none); every other character matches itself. Used for index
// name patterns, _source includes/excludes and _cat column selection, and,
// with options, for source location globs and security permission patterns.
#pragma once

#include <string_view>

namespace sluice::util {

struct WildcardOptions {
  bool question_mark = false;  // `?` matches any one character (else itself)
  char star_stops_at = '\0';   // `*` never matches this character ('\0': none)
};

bool WildcardMatch(std::string_view pattern, std::string_view text, WildcardOptions options = {});

}  // namespace sluice::util
