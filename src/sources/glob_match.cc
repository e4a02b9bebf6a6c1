#include "sources/glob_match.h"

#include "util/wildcard.h"

namespace sluice::sources {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return util::WildcardMatch(pattern, text, {.star_stops_at = '/'});
}

}  // namespace sluice::sources
