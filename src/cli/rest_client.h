// RestClient: how the CLI commands talk to sluice — the same REST requests
// either dispatched in-process to an Engine's router (the embedded default,
// no server needed) or sent over HTTP/1.1 to a running server (--server URL).
// Commands are written once against this interface.
//
// The HTTP client is a small synchronous Boost.Beast client (Beast is already
// the server's dependency; libcurl stays inside sources/). It opens one
// connection per call, speaks plain http:// only, and gives up after
// `timeout`. Transport failures are a Status (kUnavailable); any HTTP answer,
// 4xx/5xx included, is a RestReply.
//
// Thread-safety: a client is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::http {
class Router;
}

namespace sluice::cli {

struct RestReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

class RestClient {
 public:
  virtual ~RestClient() = default;
  // `target` is a path with an optional query string ("/idx/_search?size=3");
  // a non-empty body is sent as application/json.
  virtual util::Result<RestReply> Call(std::string_view method, std::string_view target,
                                       std::string_view body = {}) = 0;
  // Where requests go, for messages: "http://host:port" or "data dir /path".
  virtual std::string Describe() const = 0;
};

// A failed reply's message: OpenSearch's error.type + error.reason when the
// body has them, else the body itself.
std::string ReplyError(const RestReply& reply);

// Dispatches to `router`, which must outlive the client.
std::unique_ptr<RestClient> MakeInProcessClient(const http::Router& router,
                                                std::string description);

// `base_url` is "http://host[:port][/prefix]"; an error Status if it is not.
// A non-empty `authorization` is sent as the Authorization header of every call.
util::Result<std::unique_ptr<RestClient>> MakeHttpClient(
    std::string_view base_url, std::chrono::milliseconds timeout = std::chrono::seconds(60),
    std::string authorization = {});

// "Basic base64(user:password)".
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace sluice::cli
