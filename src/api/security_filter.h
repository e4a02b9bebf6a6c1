// Authentication and authorization of every REST request (when the server
// runs with --users-file; api/ does none of this otherwise).
//
// InstallSecurity() sets the router's authorizer: HTTP basic credentials are
// checked against the users file (security/security.h); none or wrong ones →
// 401 "Unauthorized" with WWW-Authenticate: Basic realm="OpenSearch Security"
// (a wrong one held back by the per-address failure delay). The route's action
// (api/route_actions.h) is then checked: a cluster action against the user's
// cluster permissions, an index action against every index the request names
// — the {index} path parameter, the _index/index entries of _bulk, _mget and
// _msearch bodies, the index_name of a batch ingestion, "_all" for a search
// or alias change naming none. Refused → 403 security_exception "no
// permissions for [ACTION] and User [name=N, backend_roles=[],
// requestedTenant=null]" (OpenSearch's message; no index data). Each refusal
// and failed login is one audit line (rate-limited).
//
// The handlers' own checks (ownership of tasks, ingestion sources) use the
// helpers below; all of them allow everything when ctx.security is null.
#pragma once

#include <string_view>

#include "api/api_context.h"
#include "http/router.h"
#include "util/status.h"

namespace sluice::sources {
struct DataSource;
}

namespace sluice::api {

void InstallSecurity(http::Router& router, const ApiContext& ctx);
// GET /_plugins/_security/authinfo, in the security plugin's shape.
void RegisterSecurityRoutes(http::Router& router, const ApiContext& ctx);

// Whether the request's user may see and cancel tasks of `owner` (their own;
// a user with every cluster permission sees all; tasks without an owner,
// made before security was on, only the latter).
bool MayAccessTask(const ApiContext& ctx, const http::Request& req, std::string_view owner);

// OK when the request's user's roles grant every location of `source` (file
// roots, S3 buckets/prefixes, http hosts); else 403 security_exception naming
// the location's kind and the user, not the location's contents.
util::Status CheckIngestSources(const ApiContext& ctx, const http::Request& req,
                                const sources::DataSource& source);

}  // namespace sluice::api
