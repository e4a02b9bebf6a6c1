#include "api/request_checks.h"

#include "api/rest_response.h"
#include "json/strict_json.h"

namespace sluice::api {

std::optional<http::Response> CheckRequest(const http::Request& request,
                                           const http::RouteOptions& route) {
  for (const auto& [name, value] : request.path_params) {
    if (!json::IsValidUtf8(value)) {
      // The value itself is not echoed: it would make the response invalid JSON.
      return ErrorResponse(
          request, util::InvalidArgument("path parameter [" + name + "] is not valid UTF-8"));
    }
  }
  if (request.body.empty()) return std::nullopt;
  util::Status s = route.body == http::BodyFormat::kNdjson ? json::CheckStrictNdjson(request.body)
                                                           : json::CheckStrictJson(request.body);
  if (!s.ok()) return ErrorResponse(request, s);
  return std::nullopt;
}

}  // namespace sluice::api
