// Response: what a REST handler returns; the server adds Content-Length,
// Connection and (optionally) Content-Encoding when it sends it.
//
// A plain value, cheap to move. SimpleError() builds the transport-level error
// shape OpenSearch uses for routing and content-type failures:
//   {"error":"<message>","status":<code>}
// and BareError() the one without "status" that an unknown path gets.
// (the structured {"error":{"type":...}} shape belongs to api/, not here).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // The server holds the answer this long before writing it, on a timer
  // (no thread waits): failed logins are slowed down this way.
  std::chrono::milliseconds delay{0};
};

// {"error":"<message>","status":<status>} with `message` JSON-escaped.
Response SimpleError(int status, std::string_view message);

// {"error":"<message>"} without a status field: OpenSearch's answer when no
// route matches the path (RestController#handleBadRequest).
Response BareError(int status, std::string_view message);

// Appends `in` to `out` escaped for use inside a JSON string literal (no quotes).
void AppendJsonEscaped(std::string_view in, std::string& out);

}  // namespace sluice::http
