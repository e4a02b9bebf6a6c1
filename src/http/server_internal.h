// The server's internals shared by server.cc (ServerCore: acceptor, pools,
// start and stop) and connection.cc (Connection: one client's requests).
// Private to http/: included only by those two .cc files (it pulls in Beast).
#pragma once

// GCC's -Wmaybe-uninitialized misfires inside Beast's parser (boost::optional)
// in sanitizer builds; the headers are third-party.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"  // Asio's fences, in TSan builds
#endif
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/admission.h"
#include "http/server.h"
#include "http/tls_context.h"
#include "http/worker_pool.h"

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// The two transports a Connection is instantiated for.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What the server holds of a connection, whatever its transport.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Called from Stop(): an idle connection is closed now; a busy one closes after
  // its current response.
  virtual void OnStop() = 0;
};

// At most one line per interval; the lines in between are counted and the
// count is reported with the next one. Not synchronised (one strand uses it).
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::seconds interval) : interval_(interval) {}
  // True when a line may be written now; *suppressed gets the lines skipped since.
  bool Allow(uint64_t* suppressed);

 private:
  std::chrono::seconds interval_;
  std::optional<Clock::time_point> last_;
  uint64_t suppressed_ = 0;
};

// The state shared by the acceptor and all connections (Server::Impl is this).
class ServerCore {
 public:
  ServerCore(ServerOptions options, const Router& router);
  ~ServerCore();

  util::Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }
  ServerStats GetStats() const;

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  bool stopping() const { return stopping_.load(); }
  InFlightBytes& in_flight() { return in_flight_; }
  WorkerPool& pool(Pool p) { return *pools_[static_cast<size_t>(p)]; }
  // Runs ServerOptions::stream_handler; exists once started with one.
  WorkerPool& stream_pool() { return *stream_pool_; }

  // Renders an admission refusal for `request` (see ServerOptions::error_response).
  Response RenderRefusal(const Request& request, const util::Status& status);
  void CountBreakerTrip() { breaker_trips_.fetch_add(1, std::memory_order_relaxed); }
  void CountRejection() { rejected_.fetch_add(1, std::memory_order_relaxed); }

  void Register(ConnectionBase* conn, std::weak_ptr<ConnectionBase> weak);
  void Unregister(ConnectionBase* conn);
  // Without TLS: does nothing.
  util::Status ReloadTls();
  // One warning per 10 s at most for failed TLS handshakes (any connection's strand).
  void LogHandshakeFailure(const beast::error_code& ec);

 private:
  size_t IoThreadCount() const;
  size_t MaxConnections() const;
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void RunThread();

  const ServerOptions options_;
  const Router& router_;
  InFlightBytes in_flight_;
  const size_t max_connections_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;

  std::atomic<size_t> open_connections_{0};
  std::atomic<uint64_t> connections_refused_{0};
  std::atomic<uint64_t> accept_errors_{0};
  std::atomic<uint64_t> breaker_trips_{0};
  std::atomic<uint64_t> rejected_{0};

  // Live connections, so Stop() can close idle ones and wait for the rest.
  // Declared before ioc_: pending handlers destroyed with ioc_ unregister here.
  std::mutex conns_mu_;
  std::condition_variable conns_cv_;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>>
      conns_;  // guarded by conns_mu_
  // Set in Start() when options_.tls is enabled.
  std::unique_ptr<TlsContexts> tls_;
  std::mutex handshake_log_mu_;
  RateLimitedLog handshake_log_{std::chrono::seconds(10)};  // guarded by handshake_log_mu_

  asio::io_context ioc_;
  // Keeps the I/O threads running while no socket operation is pending (all
  // connections busy on workers that will post their responses back).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  // Touched only on the acceptor's strand (after Start()).
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> accept_backoff_timer_;
  std::chrono::milliseconds accept_backoff_{0};
  RateLimitedLog accept_log_{std::chrono::seconds(10)};
  RateLimitedLog refused_log_{std::chrono::seconds(10)};
  std::vector<std::thread> threads_;
  // After ioc_: destroyed (joined) first, as their tasks post to ioc_.
  std::array<std::unique_ptr<WorkerPool>, kPoolCount> pools_;
  std::unique_ptr<WorkerPool> stream_pool_;
};

// One client connection over Stream (PlainStream or TlsStream; the TLS one
// handshakes first and sends close_notify before closing). All members are
// touched only on the connection's strand, except while a worker runs its
// request: then the connection waits (state kBusy) with no operation pending,
// the strand runs nothing of it but OnStop (which only reads state_), and the
// worker owns it — it runs the handler on what it was handed, then starts the
// response's write itself (Send); the write completes on the strand (OnWrite),
// which reads the next request. A response with a delay is posted back to the
// strand instead, whose timer holds it.
template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  // `tls` is the context a TlsStream handshakes with (null for PlainStream).
  Connection(tcp::socket socket, ServerCore& server, std::shared_ptr<asio::ssl::context> tls);
  ~Connection() override;

  void Run();
  void OnStop() override;

 private:
  enum class State { kIdle, kBody, kBusy };

  const ServerOptions& opts() const { return server_.options(); }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  static Stream MakeStream(tcp::socket socket, asio::ssl::context* tls);
  void Handshake();
  void WaitForRequest();
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Handle();
  // connection_stream.cc: requests no route serves, when a stream handler is set.
  bool Streams() const;
  void HandStream();
  void EndStream(bool reusable, unsigned status, uint64_t body_bytes);
  // Runs on a worker thread.
  static Response Work(ServerCore& server, Request& req, Clock::time_point queued,
                       InFlightBytes::Reservation& reservation);
  Request RequestHead() const;
  void Refuse(const util::Status& status, bool keep_alive);
  void SendTooLarge(std::optional<uint64_t> length);
  void SendError(int status, std::string message);
  void Send(Response r, bool keep_alive);
  void SendLater(Response r, bool keep_alive);
  void OnWrite(beast::error_code ec, unsigned status, size_t body_bytes, bool keep_alive);
  void LingerClose();
  void Drain();
  void Close();

  std::shared_ptr<asio::ssl::context> tls_;  // kept alive for the stream; null without TLS
  Stream stream_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  State state_ = State::kIdle;
  std::string method_ = "-";
  std::string path_ = "-";
  std::string route_;
  std::string remote_address_;  // the peer's IP address; "" when unknown
  bool chunked_ = false;         // body without Content-Length: limited by the budget left
  bool budget_limited_ = false;  // that limit was the in-flight budget, not max_content_length
  InFlightBytes::Reservation reservation_;  // the current request's body bytes
  Clock::time_point start_ = Clock::now();
  std::array<char, 16 * 1024> scratch_;
};

extern template class Connection<PlainStream>;
extern template class Connection<TlsStream>;

}  // namespace sluice::http
