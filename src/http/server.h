// Server: the HTTP/1.1 front end of sluice (Boost.Beast behind a pimpl).
//
// Threads. A few I/O threads (`threads`) accept connections, read requests
// and write responses, one strand per connection (a connection's requests are
// answered in order, connections proceed in parallel). They never run a
// handler: a complete request goes to the worker pool its route names
// (Router RouteOptions::pool — management, search or write), each with its
// own threads and bounded queue, so searches and bulks saturating the machine
// do not delay GET / or a task poll. Keep-alive and pipelined requests are
// supported; gzip/deflate bodies are inflated on the worker, under
// max_content_length, and handler responses over 1 KiB are gzipped there too
// when the client accepts gzip (never on an I/O thread).
//
// Admission control (all refusals are retryable by clients):
//   - in-flight bytes: the bodies of requests being read or handled count
//     against max_in_flight_bytes. A Content-Length that would exceed it is
//     refused before the body is read (429 circuit_breaking_exception, then
//     close); a chunked body is read up to what is left of the budget;
//   - pool queues: a request whose pool queue is full, or that waited in it
//     longer than queue_timeout, is answered 429 rejected_execution_exception;
//   - connections: beyond max_connections a new connection is closed at once;
//     accept failing for lack of descriptors or memory (EMFILE, ENFILE,
//     ENOBUFS, ENOMEM) backs off 10 ms doubling to 100 ms, and such failures
//     are logged at most once per 10 s with the count suppressed.
// These 429s are rendered by error_response (api/ supplies OpenSearch's error
// body); without it, SimpleError's shape is used.
//
// Transport errors are answered by the server itself in OpenSearch's simple
// error shape {"error":"...","status":N}: malformed request → 400 and close,
// body too large → 413 and close, bad Content-Encoding → 400. A client that
// stalls is disconnected after idle_timeout / header_timeout / body_timeout
// without holding a thread. One access-log line (spdlog, info) per request.
//
// TLS (ServerOptions::tls with a certificate): every connection starts with a
// TLS handshake (TLS 1.2 or later) under header_timeout; with a client CA, a
// client must present a certificate it signed (mutual TLS). ReloadTls() reads
// the files again: new connections use the new certificate, open ones keep
// theirs; a failed reload keeps the old one.
//
// Thread-safety: Start() and Stop() must be called from one controlling thread;
// port(), GetStats() and ReloadTls() may be called from any thread after Start(). The
// Router must outlive the Server and must not be modified while it runs.
#pragma once

#include <array>
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
#include "http/stream_exchange.h"
#include "http/worker_pool.h"
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

// A worker pool's size; 0 fields take the defaults documented in ServerOptions.
struct PoolSize {
  size_t threads = 0;
  size_t queue_size = 0;
  int nice = 0;  // added to the threads' niceness (lower priority when > 0)
};

// The default niceness of the search and write pools (see ServerOptions).
inline constexpr int kSearchNice = 5;
inline constexpr int kWriteNice = 10;

// The REST API over HTTPS. PEM files; key unencrypted.
struct TlsOptions {
  std::string cert_file;       // certificate chain (leaf first); "" = plain HTTP
  std::string key_file;        // its private key
  std::string client_ca_file;  // "" = no client certificates; else they are required
  bool enabled() const { return !cert_file.empty(); }
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // address to bind (IPv4 or IPv6 literal, or "localhost")
  uint16_t port = 9200;            // 0 = pick a free port (see Server::port())
  size_t threads = 0;              // I/O threads; 0 = 2
  // Worker pools, after OpenSearch's: management max(2, min(5, cores)) threads,
  // queue 1000, nice 0 like the I/O threads; search cores * 3 / 2 + 1 threads,
  // queue 1000, nice +5; write `cores` threads, queue 1000, nice +10. With the
  // cores saturated, a runnable management or I/O thread then gets a core
  // ahead of searches, and searches ahead of writes (docs/operations.md).
  PoolSize management_pool;
  PoolSize search_pool = {.threads = 0, .queue_size = 0, .nice = kSearchNice};
  PoolSize write_pool = {.threads = 0, .queue_size = 0, .nice = kWriteNice};
  // A request still queued after this long is refused (429) rather than run
  // for a client that has probably given up. 0 = no limit. Default 60 s.
  std::chrono::milliseconds queue_timeout{60'000};
  // Open connections beyond which new ones are closed at once. 0 = half the
  // soft RLIMIT_NOFILE (at least 16), leaving descriptors to the store.
  size_t max_connections = 0;
  // Request body bytes being read or handled at once, like OpenSearch's
  // network.breaker.inflight_requests.limit. 0 = 10 % of physical memory.
  uint64_t max_in_flight_bytes = 0;
  size_t max_content_length = 100 << 20;  // bytes, like http.max_content_length; over → 413
  size_t max_header_size = 16 << 10;      // bytes of request line + headers; over → 431
  // Time a connection may wait for the first byte of a request (the keep-alive
  // idle timeout). Default 30 s.
  std::chrono::milliseconds idle_timeout{30'000};
  // Time allowed for the rest of a request header once its first byte arrived.
  // Default 30 s.
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
  // Renders the admission refusals (a 429 Status with OpenSearch's type and
  // metadata) for the request they refuse, which carries method, target,
  // query parameters and headers but no body. Called on a server thread; must
  // be thread-safe. Default: SimpleError(429, reason).
  std::function<Response(const Request&, const util::Status&)> error_response;
  // Serves, body unread, every request no route of the Router serves (see
  // stream_exchange.h), on its own pool of blocking threads. Default: none
  // (the Router answers 400/405 itself).
  StreamHandler stream_handler;
  // The stream handler's pool: max(16, 4 * cores) threads, queue 1000.
  PoolSize stream_pool;
  // HTTPS when tls.enabled(). Default: plain HTTP.
  TlsOptions tls;
};

// Counters of the transport, for tests and metrics.
struct ServerStats {
  size_t open_connections = 0;
  uint64_t connections_refused = 0;  // closed at once: over max_connections
  uint64_t accept_errors = 0;        // failed accept calls (EMFILE, ...)
  uint64_t in_flight_bytes = 0;      // request bytes reserved now
  uint64_t in_flight_limit = 0;
  uint64_t breaker_trips = 0;                       // 429 circuit_breaking_exception answers
  uint64_t rejected = 0;                            // 429 rejected_execution_exception answers
  std::array<WorkerPool::Stats, kPoolCount> pools;  // indexed by Pool; zero before Start()
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
  ServerStats GetStats() const;
  // Reads the TLS certificate, key and client CA files again (SIGHUP). An
  // error (kInvalidArgument naming the file) leaves the current ones in use;
  // without TLS it does nothing.
  util::Status ReloadTls();
  // Stops accepting, closes idle connections, lets in-flight requests finish and
  // send their responses (up to stop_timeout), then joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
