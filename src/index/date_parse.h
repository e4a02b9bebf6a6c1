// Parsing of OpenSearch date values (the default format,
// strict_date_optional_time||epoch_millis) into epoch milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::index {

// "2024-05-01", "2024-05-01T10:20:30.123Z", "2024-05-01T10:20:30+02:00",
// "2024", "2024-05", or epoch millis digits ("1714557600000"). nullopt when
// the text is not a date in those forms.
std::optional<int64_t> ParseDateMillis(std::string_view text);

// True when a string looks like a date for dynamic mapping (yyyy-MM-dd...).
bool LooksLikeDate(std::string_view text);

}  // namespace sluice::index
