// Server: the HTTP/1.1 front end of sluice (Boost.Beast behind a pimpl).
//
// Accepts connections on host:port and serves them from a pool of threads
// (one strand per connection, so one connection's requests are handled in
// order while connections proceed in parallel). Keep-alive and pipelined
// requests are supported; each request is read fully (body limited to
// max_content_length, gzip/deflate bodies inflated under the same limit),
// dispatched through the Router, and answered with Content-Length set.
//
// Transport errors are answered by the server itself in OpenSearch's simple
// error shape {"error":"...","status":N}: malformed request → 400 and close,
// body too large → 413 and close, bad Content-Encoding → 400. A client that
// stalls is disconnected after header_timeout / body_timeout without holding
// a thread. One access-log line (spdlog, info) is written per request.
//
// Thread-safety: Start() and Stop() must be called from one controlling thread;
// port() may be called from any thread after Start(). The Router must outlive
// the Server and must not be modified while it runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "util/status.h"

namespace sluice::http {

// What the server tells an observer about each answered request (for metrics).
struct RequestStats {
  std::string_view method;  // "GET", ...; "-" when the request line was unreadable
  std::string_view route;   // Request::route; "" when no route served it
  unsigned status = 0;
  size_t response_bytes = 0;
  double seconds = 0;  // from the complete header to the response ready to write
};

struct ServerOptions {
  std::string host = "127.0.0.1";         // address to bind (IPv4 or IPv6 literal, or "localhost")
  uint16_t port = 9200;                   // 0 = pick a free port (see Server::port())
  size_t threads = 0;                     // 0 = max(4, 2 * hardware threads)
  size_t max_content_length = 100 << 20;  // bytes, like http.max_content_length; over → 413
  size_t max_header_size = 16 << 10;      // bytes of request line + headers; over → 431
  // Time allowed for a complete request header, counted from the first wait for
  // it (so it is also the keep-alive idle timeout). Default 30 s.
  std::chrono::milliseconds header_timeout{30'000};
  // Time allowed to receive a request body once its header has arrived. Default 60 s.
  std::chrono::milliseconds body_timeout{60'000};
  // Time allowed to write a response. Default 60 s.
  std::chrono::milliseconds write_timeout{60'000};
  // Stop() waits this long for in-flight requests before abandoning their
  // connections. Default 30 s.
  std::chrono::milliseconds stop_timeout{30'000};
  // gzip responses larger than 1 KiB when the client accepts gzip. Default true.
  bool compress_responses = true;
  // One spdlog info line per request. Default true.
  bool access_log = true;
  // Called once per answer, just before it is written, on a server thread;
  // must be thread-safe and cheap. Default: none.
  std::function<void(const RequestStats&)> observer;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);  // router must outlive the server
  ~Server();                                            // stops if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; an error Status (kIoError) if the address cannot be
  // resolved or bound, or kInvalidArgument if called twice.
  util::Status Start();
  // The bound port (useful with port 0); 0 before Start().
  uint16_t port() const;
  // Stops accepting, closes idle connections, lets in-flight requests finish and
  // send their responses (up to stop_timeout), then joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
