// The allowlist for data_source type "http": a URL may be fetched only when its
// host matches one of SourcesOptions::allowed_http_hosts. Patterns: "host",
// "host:port", "*.example.com" (any subdomain, not the apex), "[::1]:8080".
// A pattern without a port matches every port. Matching is case-insensitive.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "sources/http_client.h"
#include "sources/sources_options.h"

namespace sluice::sources {

bool HostAllowed(const ParsedUrl& url, const std::vector<std::string>& patterns);

// OK when `url` is an absolute http(s) URL whose host is allowed; else
// kInvalidArgument (not a URL) or kForbidden naming the host and the
// --allow-source-host flag.
util::Status CheckHttpSourceUrl(const std::string& url, const SourcesOptions& options);

}  // namespace sluice::sources
