// Glob matching for source locations: '*' matches any run of characters
// except '/', every other character matches itself. Pure and thread-safe.
#pragma once

#include <string_view>

namespace sluice::sources {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace sluice::sources
