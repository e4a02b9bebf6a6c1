// Forwarder: the gateway's transport — every request sluice does not answer
// itself goes to the cluster as the client sent it and the cluster's answer
// comes back as the cluster sent it (see forward_headers.h for the header
// rules), bodies streamed both ways in 64 KiB pieces, over a pool of
// keep-alive connections (HTTP or HTTPS with the cluster's TLS options).
//
// Authentication, by GatewayOptions::cluster:
//   - no user and no SigV4 service: pass-through — the client's
//     Authorization (basic, bearer) goes on unchanged, so the cluster's
//     security plugin judges every request;
//   - user (+ password): the client's Authorization is replaced by sluice's
//     basic credentials;
//   - sigv4_service "es" / "aoss": the client's Authorization and X-Amz-*
//     signing headers are dropped and each request is signed anew (host,
//     x-amz-date, x-amz-content-sha256, x-amz-security-token). The payload
//     hash is computed, which holds the request body in memory (it is
//     already counted against the in-flight budget by its Content-Length);
//     with sigv4_unsigned_payload the body streams and is signed as
//     UNSIGNED-PAYLOAD instead.
//
// Errors the gateway answers itself, in OpenSearch's error shape (through
// error_response): the cluster unreachable or the connection dropped before
// an answer → 502 connect_exception; connect or stall timeout → 504
// timeout_exception; a bad request target → 400. Once the cluster's status
// line went to the client, a failure can only cut the answer short (the
// client connection is closed).
//
// Thread-safety: Stream and Forward may run on many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/request.h"
#include "http/response.h"
#include "http/stream_exchange.h"
#include "sinks/opensearch/opensearch_options.h"
#include "sources/http_client.h"
#include "util/result.h"

namespace sluice::sources {
class HttpRelay;
}

namespace sluice::gateway {

struct GatewayOptions {
  // The cluster: url, TLS (ca_cert_file, insecure), timeouts, and the
  // credentials that sign forwarded requests (none = pass-through).
  sinks::opensearch::OpenSearchOptions cluster;
  // SigV4: sign UNSIGNED-PAYLOAD and stream the body rather than hash it. Default false.
  bool sigv4_unsigned_payload = false;
  // Largest body held to hash it for SigV4. Default 100 MiB (http.max_content_length).
  size_t max_hashed_body = 100u << 20;
  // Value of the X-Sluice-Gateway header added to the answer of GET / and HEAD /.
  std::string version;
  // Renders an error the gateway answers itself with `http_status`. Required.
  std::function<http::Response(const http::Request&, const util::Status&, int http_status)>
      error_response;
};

class Forwarder {
 public:
  static util::Result<std::unique_ptr<Forwarder>> Create(GatewayOptions options);
  ~Forwarder();

  // The server's stream handler: forwards one request, streaming.
  void Stream(http::StreamExchange& exchange);

  // Forwards a request whose body was read whole (for routes sluice serves
  // in part, such as task ids it does not know); the answer is the
  // cluster's, or a 502/504 error. Answers over 64 MiB are refused (502).
  http::Response Forward(const http::Request& request);

  std::string display_url() const { return sources::RedactUrl(options_.cluster.url); }

 private:
  struct Target;
  Forwarder(GatewayOptions options, sources::ParsedUrl base);
  util::Result<Target> MakeTarget(const http::Request& head) const;
  void Sign(Target& target, const std::string& payload_hash) const;
  http::Response Failure(const http::Request& request, const util::Status& status) const;
  std::unique_ptr<sources::HttpRelay> Borrow();
  void Return(std::unique_ptr<sources::HttpRelay> relay);

  const GatewayOptions options_;
  const sources::ParsedUrl base_;
  std::string origin_;       // "https://host:port" + base path, no trailing slash
  std::string host_header_;  // "host" or "host:port"

  std::mutex mu_;  // guards idle_
  std::vector<std::unique_ptr<sources::HttpRelay>> idle_;
};

}  // namespace sluice::gateway
