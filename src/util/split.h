// Splitting of delimited lists such as "a,b,c" (index names, ids, _cat
// columns, filter_path parts).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::util {

// The parts of `text` between `separator`s, empty parts dropped ("a,,b," gives
// {"a", "b"}; "" gives {}).
std::vector<std::string> SplitNonEmpty(std::string_view text, char separator = ',');

}  // namespace sluice::util
