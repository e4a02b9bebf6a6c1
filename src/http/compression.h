// Body (de)compression for HTTP: inflating gzip/deflate request bodies under a
// size limit, and gzipping large responses.
//
// Stateless free functions, safe from any thread. Errors are Status values:
//   kTooLarge        the inflated body would exceed `limit` bytes (nothing
//                    beyond limit + one buffer is ever held);
//   kInvalidArgument the input is not valid compressed data, or the encoding
//                    is not supported.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::http {

// Decodes `body` according to a Content-Encoding value: "gzip"/"x-gzip" (also
// concatenated members), "deflate" (zlib-wrapped or raw) or "identity"/"" (copied).
util::Result<std::string> DecodeContent(std::string_view encoding, std::string_view body,
                                        size_t limit);

// gzip-compresses `data` (default level).
util::Result<std::string> GzipCompress(std::string_view data);

}  // namespace sluice::http
