// The header rules of the gateway (RFC 9110 §7.6 for proxies): which request
// headers go on to the cluster, which response headers come back.
//
// Request: hop-by-hop headers (Connection and the names it lists,
// Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade), Host,
// Content-Length and Expect are dropped (the relay re-frames the body and
// sets Host); X-Forwarded-For gets the client's address appended,
// X-Forwarded-Proto and X-Forwarded-Host are set unless a proxy in front set
// them. Everything else, Authorization included, is kept in order.
// Response: the same hop-by-hop headers and Content-Length are dropped (the
// server frames the body again); the rest is kept as the cluster sent it.
//
// Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "http/request.h"
#include "sources/sigv4_signer.h"

namespace sluice::gateway {

sources::HeaderList ForwardRequestHeaders(const http::Request::Pairs& headers,
                                          std::string_view client_address,
                                          std::string_view client_scheme);

http::Request::Pairs ForwardResponseHeaders(const sources::HeaderList& headers);

// True for headers a proxy never forwards (not counting those Connection lists).
bool IsHopByHop(std::string_view name);

// The first header named `name` (case-insensitive), or "".
std::string_view FindHeader(const sources::HeaderList& headers, std::string_view name);

}  // namespace sluice::gateway
