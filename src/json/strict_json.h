// Strict input checks for request bodies, run once before any handler parses
// them, so that every REST endpoint refuses the same things the same way:
//   - bytes that are not UTF-8 ("Invalid UTF-8 start byte 0xff", "Invalid
//     UTF-8 middle byte 0x41": Jackson's words, which OpenSearch reports);
//   - an object with the same key twice ("Duplicate field 'a'", OpenSearch's
//     strict duplicate detection), compared after unescaping.
// The error is a json_parse_exception (kInvalidArgument) whose reason ends
// with Jackson's location, "\n at [Source: REDACTED (...); line: L, column: C]".
// Malformed JSON is not reported here (OK): the handlers' own parsers report it
// in their words. Overlong encodings, surrogates and code points past U+10FFFF
// count as invalid UTF-8.
//
// Thread-safe (no state). Linear time; memory proportional to the keys of the
// objects open at once.
#pragma once

#include <string_view>

#include "util/status.h"

namespace sluice::json {

// Checks one JSON text.
util::Status CheckStrictJson(std::string_view text);

// Checks each line of an NDJSON body (_bulk) as its own JSON text; lines are
// numbered from 1 within the body.
util::Status CheckStrictNdjson(std::string_view text);

// Whether `text` is valid UTF-8 (for path parameters and other strings).
bool IsValidUtf8(std::string_view text);

}  // namespace sluice::json
