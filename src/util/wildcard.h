// OpenSearch's simple wildcard match: `*` matches any run of characters
// (including none); every other character matches itself. Used for index
// name patterns, _source includes/excludes and _cat column selection.
#pragma once

#include <string_view>

namespace sluice::util {

bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace sluice::util
