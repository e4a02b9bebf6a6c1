// AWS Signature Version 4 (header signing), for S3 here and for the
// OpenSearch sink ("es" / "aoss") later.
//
// SignV4() is a pure function: given the request parts, the signing
// parameters (including the time) and the credentials it returns the
// canonical request, the string to sign, the signature, the Authorization
// header value and the headers the caller must add to the request. It never
// fails (any byte string is signable) and never logs. The result carries the
// session token (in headers_to_add); treat it like the credentials.
//
// Path rules: `path` is the path as sent on the wire. For most services
// (normalize_path and double_encode_path true) dot segments and repeated
// slashes are removed and the path is URI-encoded again, so an encoded wire
// path ends up double-encoded, as AWS specifies. S3 sets both to false: the
// canonical path is the wire path itself, each segment encoded exactly once
// (bytes that are not yet encoded get encoded; existing %XX stay).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/secret.h"

namespace sluice::sources {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;        // "GET", "POST", ...
  std::string path;          // wire path, without the query; "" means "/"
  std::string query;         // raw query string without '?', as sent; may be ""
  HeaderList headers;        // headers to sign; must include "host"
  std::string payload_hash;  // lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Params {
  std::string region;   // e.g. "us-east-1"
  std::string service;  // e.g. "s3", "es", "aoss"
  std::chrono::system_clock::time_point time;
  bool normalize_path = true;      // false for S3
  bool double_encode_path = true;  // false for S3
  // Add and sign "x-amz-content-sha256: <payload_hash>" (S3 requires it).
  bool sign_content_sha256 = false;
  // With a session token: true signs x-amz-security-token; false adds it after signing.
  bool sign_session_token = true;

  // The parameters S3 expects: no normalisation, single encoding, content hash header.
  static SigV4Params ForS3(std::string region, std::chrono::system_clock::time_point time);
};

struct SigV4Credentials {
  std::string access_key;
  util::Secret secret_key;
  util::Secret session_token;  // empty for long-term credentials
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // the Authorization header value
  // x-amz-date, x-amz-content-sha256, x-amz-security-token as needed (skipping any
  // the request already had), to be sent along with Authorization.
  HeaderList headers_to_add;
};

SigV4Signature SignV4(const SigV4Request& request, const SigV4Params& params,
                      const SigV4Credentials& credentials);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// RFC 3986 percent-encoding of everything but unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' too unless keep_slash.
std::string UriEncode(std::string_view data, bool keep_slash);

// Decodes %XX escapes; malformed escapes are kept literally.
std::string PercentDecode(std::string_view data);

// "20150830T123600Z".
std::string AmzDate(std::chrono::system_clock::time_point time);

}  // namespace sluice::sources
