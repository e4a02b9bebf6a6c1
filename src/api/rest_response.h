// Building REST responses: JSON bodies (with `?pretty`), and the one place
// where a Status becomes an HTTP status and OpenSearch's error body.
#pragma once

#include <string>

#include "http/request.h"
#include "http/response.h"
#include "util/status.h"

namespace sluice::json {
class JsonWriter;
}

namespace sluice::api {

// The HTTP status for an error Status (400 for bad input, 404 not found, ...).
int HttpStatus(const util::Status& status);

// {"error":{"root_cause":[...],"type":..,"reason":..,...,"caused_by":..},"status":N}
http::Response ErrorResponse(const http::Request& request, const util::Status& status);

// The same body with an HTTP status of the caller's choosing (the gateway's
// 502 and 504, which no Status code maps to).
http::Response ErrorResponseWithStatus(const http::Request& request, const util::Status& status,
                                       int http_status);

// The error object alone ({"type":..,"reason":..,...,"caused_by":..}), as a
// bulk item's "error" shows it.
void WriteErrorObject(json::JsonWriter& writer, const util::Status& status);

// The error object with its root_cause, as under "error" in an error body
// (an _mget item's or an _msearch response's "error").
void WriteFullError(json::JsonWriter& writer, const util::Status& status);

// A JSON response, filtered by ?filter_path (response_filter.h) and re-indented for ?pretty.
http::Response JsonResponse(const http::Request& request, int status, std::string body);

// True when a boolean query parameter is present and not "false" (?pretty, ?v).
bool FlagParam(const http::Request& request, std::string_view name);

}  // namespace sluice::api
