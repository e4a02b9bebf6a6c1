// JSON nesting limits. Parsers and walkers of JSON recurse once per nesting
// level, so a deeply nested input ("[[[[...") could overflow a thread's stack.
// Every JSON text from outside is checked with ExceedsJsonNesting first.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::util {

// The deepest nesting sluice accepts (Jackson's default in OpenSearch is 1000).
inline constexpr size_t kMaxJsonNesting = 1000;

// True when `text` has objects/arrays nested deeper than max_depth. Counts
// brackets outside strings only; works on NDJSON too (each line balances). A
// linear scan, cheap next to parsing.
bool ExceedsJsonNesting(std::string_view text, size_t max_depth = kMaxJsonNesting);

}  // namespace sluice::util
