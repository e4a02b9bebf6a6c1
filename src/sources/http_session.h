// HttpSession: one keep-alive HTTP(S) connection for request/response
// exchanges with a body (POST/PUT/GET/HEAD), for clients that talk to one
// service many times — the OpenSearch sink's _bulk writer. The connection is
// opened on the first Send, reused by the following ones, and reopened
// transparently when the server closed it.
//
// Contract: a session is used by one thread at a time (own one per thread, or
// pool them). Send makes exactly one attempt: retry policy is the caller's.
// Errors: a transport failure worth retrying (reset, refused, timeout, dropped
// connection) is kUnavailable; any other (TLS verification, bad URL) is
// kInvalidArgument. Messages name the redacted URL only; header values and the
// basic-auth password are never logged nor put in a message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sources/http_client.h"
#include "util/secret.h"

namespace sluice::sources {

struct HttpSessionOptions {
  // PEM bundle of CA certificates to trust instead of the system's. Default: "" (system CAs).
  std::string ca_cert_file;
  // Skip TLS certificate and host verification (only by explicit choice). Default: false.
  bool insecure = false;
  // HTTP basic auth; used when basic_user is non-empty. Default: none.
  std::string basic_user;
  util::Secret basic_password;
  // TCP + TLS connect timeout. Default: 10000.
  int connect_timeout_ms = 10000;
  // A transfer that moves nothing for this long is aborted (kUnavailable). Default: 120.
  int stall_timeout_s = 120;
};

struct HttpCall {
  std::string method = "GET";  // GET, HEAD, POST, PUT, DELETE
  std::string url;
  HeaderList headers;     // sent verbatim; may hold secrets
  std::string_view body;  // sent as is (already encoded); must outlive Send
};

class HttpSession {
 public:
  explicit HttpSession(HttpSessionOptions options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // One exchange. The response body is cut at max_body bytes (`truncated` set).
  util::Result<HttpResponse> Send(const HttpCall& call, size_t max_body = 64u << 20);

 private:
  struct Handle;
  HttpSessionOptions options_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace sluice::sources
