// OpenSearch time values without fractions: digits then a unit of ms, s, m,
// h or d ("30s", "5m"). Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::util {

// The value in milliseconds; nullopt when `text` is not digits then one of
// those units, or has more than `max_digits` digits (bounding the product).
std::optional<int64_t> ParseTimeValueMs(std::string_view text, size_t max_digits);

}  // namespace sluice::util
