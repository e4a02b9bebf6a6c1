// Parsers for the two S3 XML documents sluice reads: a ListObjectsV2 page and
// an error body. Built on expat (no external entities are loaded).
//
// Contract: pure functions, thread-safe. Malformed XML in a listing is
// kUnavailable (the server misbehaved); ParseS3Error never fails and returns
// empty fields when the body is not an S3 error document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace sluice::sources {

struct S3ListPage {
  std::vector<std::pair<std::string, uint64_t>> objects;  // key, size, in listing order
  bool truncated = false;
  std::string next_continuation_token;
};

util::Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

struct S3Error {
  std::string code;     // e.g. "NoSuchKey"
  std::string message;  // e.g. "The specified key does not exist."
};

S3Error ParseS3Error(std::string_view xml);

}  // namespace sluice::sources
