// The checks every REST request passes before its handler (installed on the
// router by RegisterAllRoutes): path parameters (index names, ids) must be
// valid UTF-8 (400 illegal_argument_exception), and a body must be valid
// UTF-8 without duplicate keys (400 json_parse_exception; for NDJSON routes,
// each line). Keeps invalid text out of the store, so responses stay JSON.
#pragma once

#include <optional>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace sluice::api {

// nullopt when the request may proceed; otherwise the error response.
std::optional<http::Response> CheckRequest(const http::Request& request,
                                           const http::RouteOptions& route);

}  // namespace sluice::api
