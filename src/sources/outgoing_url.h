// The one place where sluice builds the URL of a request it sends to another
// server (S3, OpenAI, an OpenSearch cluster). Each part is validated or
// percent-encoded here, and what cannot be encoded safely is refused, so that
// user input (a region, a bucket, a key, a file id) can never change the host,
// the port or the directory a request goes to.
//
// Rules:
//   - scheme: "http" or "https";
//   - host: a DNS name (labels of [A-Za-z0-9_-], dot-separated, ≤ 253 bytes),
//     an IPv4 literal, or an IPv6 literal (hex digits and ':' only, given
//     without brackets). Anything else — '@', ':', '/', '?', '#', '%',
//     spaces, control bytes — is refused;
//   - port: 0 (the scheme's default, not written) or 1..65535;
//   - base_path: an already-encoded prefix from the operator's configuration
//     (e.g. --s3-endpoint's path): "" or "/..."; only URI path characters,
//     no dot segments; trailing slashes are dropped;
//   - segments: raw path segments, each percent-encoded as SigV4 wants
//     (RFC 3986 unreserved characters kept). "." and ".." are refused: they
//     would leave the base path once a server or proxy normalises the URL;
//   - query: raw name/value pairs, encoded the same way, kept in order.
//
// Errors are kInvalidArgument naming the part, never the whole URL (which may
// be built from secrets-adjacent input). Nothing here connects anywhere.
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/result.h"

namespace sluice::sources {

struct OutgoingUrlSpec {
  std::string scheme;                                      // "http" | "https"
  std::string host;                                        // name or IP literal, no brackets
  int port = 0;                                            // 0 = scheme default
  std::string base_path;                                   // encoded, "" or "/..."
  std::vector<std::string> segments;                       // raw, encoded here
  std::vector<std::pair<std::string, std::string>> query;  // raw, encoded here
};

struct OutgoingUrl {
  std::string url;          // scheme://authority/path[?query]
  std::string host_header;  // authority: host, [v6] and ":port" when explicit
  std::string path;         // encoded path, starts with '/'
  std::string query;        // encoded query without '?', "" when none
};

util::Result<OutgoingUrl> BuildOutgoingUrl(const OutgoingUrlSpec& spec);

// Splits a raw S3 key (or any '/'-separated name) into path segments:
// "a/b/" → {"a", "b", ""}; "" → {""}.
std::vector<std::string> SplitPathSegments(const std::string& raw);

// Decodes an encoded query string ("a=1&b=%2F") into raw pairs, in order;
// empty pieces are dropped, a piece without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> DecodeQuery(const std::string& query);

// An AWS region name: ^[a-z0-9-]+$ (e.g. "us-east-1"), at most 64 bytes.
bool IsValidAwsRegion(const std::string& region);

}  // namespace sluice::sources
