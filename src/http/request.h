// Request: one HTTP request as the REST handlers see it, fully read.
//
// The server builds a Request after the whole body has arrived (and has been
// inflated when Content-Encoding was gzip or deflate), and the Router fills in
// the path parameters before calling a handler. Handlers get a const reference
// and may keep string_views into it only for the duration of the call.
//
// A Request is a plain value: not synchronised, cheap to move. Tests of REST
// handlers build one with Request::Make() and set path parameters by hand.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::http {

struct Request {
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  std::string method;  // upper case: "GET", "HEAD", "POST", "PUT", "DELETE", ...
  std::string target;  // raw request target as received, e.g. "/idx/_search?size=3"
  std::string path;    // target without the query string, not percent-decoded
  std::string body;

  // Storage behind the accessors below, in arrival order.
  Pairs headers;       // names as received
  Pairs query_params;  // percent-decoded
  Pairs path_params;   // percent-decoded; filled by Router
  // The route pattern that served the request, e.g. "/{index}/_search" (filled
  // by Router::Dispatch; "" when no route matched). A bounded label for metrics.
  std::string route;
  // The client's address ("127.0.0.1", "::1"), set by the server; "" in tests.
  std::string remote_address;
  // The authenticated user name, set by the Router's authorizer; "" when
  // security is off.
  std::string user;

  // Builds a request for `target`, splitting path and query string.
  static Request Make(std::string method, std::string target, std::string body = {},
                      Pairs headers = {});

  // Path parameters from the route pattern ("{index}" → "index"), percent-decoded;
  // "" when the route has no such parameter.
  std::string_view PathParam(std::string_view name) const;
  // Query parameters, percent-decoded ('+' is a space). A key given without '=' has
  // value "". The first occurrence wins when a key repeats.
  std::optional<std::string_view> Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
  // Header lookup, case-insensitive; "" when absent. The first occurrence wins.
  std::string_view Header(std::string_view name) const;
};

// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (query strings).
// Malformed escapes ("%", "%zz") are kept literally rather than rejected.
std::string PercentDecode(std::string_view in, bool plus_as_space);

// Splits "a=1&b&c=x%20y" into decoded pairs; empty keys are skipped.
Request::Pairs ParseQueryString(std::string_view query);

// ASCII case-insensitive equality, for header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace sluice::http
