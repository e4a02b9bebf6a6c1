#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
// GCC's -Wmaybe-uninitialized misfires inside Beast's parser (boost::optional)
// in sanitizer builds; the headers are third-party.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"  // Asio's fences, in TSan builds
#endif
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/compression.h"

namespace sluice::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

constexpr size_t kGzipMinBytes = 1024;
constexpr std::chrono::seconds kLingerTime{2};

bool AcceptsGzip(std::string_view accept_encoding) {
  std::string lower(accept_encoding);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t pos = lower.find("gzip");
  if (pos == std::string::npos) return false;
  // "gzip;q=0" explicitly refuses it.
  std::string_view rest = std::string_view(lower).substr(pos + 4);
  rest = rest.substr(0, rest.find(','));
  rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
  return !(rest.starts_with(";q=0") && rest.find_first_of("123456789") == std::string_view::npos);
}

}  // namespace

class Connection;

// The state shared by the acceptor and all connections (Server::Impl is this).
class ServerCore {
 public:
  ServerCore(ServerOptions options, const Router& router)
      : options_(std::move(options)), router_(router), ioc_(static_cast<int>(ThreadCount())) {}

  size_t ThreadCount() const {
    if (options_.threads > 0) return options_.threads;
    return std::max<size_t>(4, 2 * std::max(1u, std::thread::hardware_concurrency()));
  }

  util::Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  bool stopping() const { return stopping_.load(); }

  void Register(Connection* conn, std::weak_ptr<Connection> weak) {
    std::lock_guard<std::mutex> lock(conns_mu_);
    conns_.emplace(conn, std::move(weak));
  }
  void Unregister(Connection* conn) {
    std::lock_guard<std::mutex> lock(conns_mu_);
    conns_.erase(conn);
    if (conns_.empty()) conns_cv_.notify_all();
  }

 private:
  void DoAccept();
  void RunThread();

  const ServerOptions options_;
  const Router& router_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;

  // Live connections, so Stop() can close idle ones and wait for the rest.
  // Declared before ioc_: pending handlers destroyed with ioc_ unregister here.
  std::mutex conns_mu_;
  std::condition_variable conns_cv_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> conns_;  // guarded by conns_mu_

  asio::io_context ioc_;
  std::optional<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
};

// One client connection. All members are touched only on the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerCore& server)
      : stream_(std::move(socket)), server_(server) {}
  ~Connection() { server_.Unregister(this); }

  void Run() {
    server_.Register(this, weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called from Stop(): an idle connection is closed now; a busy one closes after
  // its current response.
  void OnStop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle) self->stream_.socket().close();
    });
  }

 private:
  enum class State { kIdle, kBody, kBusy };

  const ServerOptions& opts() const { return server_.options(); }

  void ReadHeader() {
    if (server_.stopping()) return Close();
    state_ = State::kIdle;
    method_ = "-";
    path_ = "-";
    route_.clear();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(opts().max_header_size));
    // Checked against our limit after the header (see OnHeader). Not boost::none:
    // Beast 1.74 compares Content-Length > none as true and rejects every body.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    stream_.expires_after(opts().header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    start_ = Clock::now();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == asio::error::bad_descriptor) {
      return Close();
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "request header is larger than [" +
                                std::to_string(opts().max_header_size) + "] bytes");
    }
    if (ec) return SendError(400, "malformed HTTP request: " + ec.message());
    auto& req = parser_->get();
    method_ = std::string(Sv(req.method_string()));
    std::string_view target(req.target().data(), req.target().size());
    path_ = std::string(target.substr(0, target.find('?')));
    if (auto len = parser_->content_length(); len && *len > opts().max_content_length) {
      return SendTooLarge(*len);
    }
    if (parser_->is_done()) return Handle();
    if (EqualsIgnoreCase(Sv(req[bhttp::field::expect]), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
      stream_.expires_after(opts().write_timeout);
      return bhttp::async_write(stream_, *cont,
                                [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                                  if (ec) return self->Close();
                                  self->ReadBody();
                                });
    }
    ReadBody();
  }

  void ReadBody() {
    state_ = State::kBody;
    parser_->body_limit(opts().max_content_length);
    stream_.expires_after(opts().body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return SendTooLarge(std::nullopt);
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec) return SendError(400, "malformed HTTP request: " + ec.message());
    Handle();
  }

  void Handle() {
    state_ = State::kBusy;
    auto& breq = parser_->get();
    Request req;
    req.method = method_;
    req.target = std::string(Sv(breq.target()));
    if (req.target.empty() || req.target.front() != '/') {
      return SendError(400, "invalid request target [" + req.target + "]");
    }
    size_t q = req.target.find('?');
    req.path = path_;
    if (q != std::string::npos) {
      req.query_params = ParseQueryString(std::string_view(req.target).substr(q + 1));
    }
    req.headers.reserve(std::distance(breq.begin(), breq.end()));
    for (const auto& field : breq) {
      req.headers.emplace_back(std::string(Sv(field.name_string())),
                               std::string(Sv(field.value())));
    }
    std::string_view encoding = Sv(breq[bhttp::field::content_encoding]);
    if (!encoding.empty() && !EqualsIgnoreCase(encoding, "identity")) {
      auto decoded = DecodeContent(encoding, breq.body(), opts().max_content_length);
      if (!decoded.ok()) {
        if (decoded.status().code() == util::Code::kTooLarge) return SendTooLarge(std::nullopt);
        return Send(SimpleError(400, decoded.status().reason()), /*keep_alive=*/true);
      }
      req.body = std::move(decoded).value();
    } else {
      req.body = std::move(breq.body());
    }
    Response res = server_.router().Dispatch(req);
    route_ = std::move(req.route);
    Send(std::move(res), breq.keep_alive());
  }

  void SendTooLarge(std::optional<uint64_t> length) {
    std::string msg = "Request Entity Too Large: the request body";
    if (length) msg += " of [" + std::to_string(*length) + "] bytes";
    msg +=
        " exceeds the limit [http.max_content_length=" + std::to_string(opts().max_content_length) +
        " bytes]";
    Send(SimpleError(413, msg), /*keep_alive=*/false);
  }

  void SendError(int status, std::string message) {
    Send(SimpleError(status, message), /*keep_alive=*/false);
  }

  void Send(Response r, bool keep_alive) {
    state_ = State::kBusy;
    keep_alive = keep_alive && !server_.stopping();
    const bool head = method_ == "HEAD";
    unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version);
    res->set(bhttp::field::content_type, r.content_type);
    bool has_encoding = false;
    for (auto& [name, value] : r.headers) {
      if (EqualsIgnoreCase(name, "Content-Encoding")) has_encoding = true;
      res->insert(name, value);
    }
    std::string body = std::move(r.body);
    if (opts().compress_responses && !has_encoding && body.size() > kGzipMinBytes && parser_ &&
        parser_->is_header_done() &&
        AcceptsGzip(Sv(parser_->get()[bhttp::field::accept_encoding]))) {
      if (auto gz = GzipCompress(body); gz.ok()) {
        body = std::move(gz).value();
        res->set(bhttp::field::content_encoding, "gzip");
      }
    }
    const size_t body_bytes = body.size();
    // Before the write, so that a client that has its response also finds it
    // counted (a scrape right after a request sees that request).
    if (opts().observer) {
      opts().observer({.method = method_,
                       .route = route_,
                       .status = static_cast<unsigned>(r.status),
                       .response_bytes = body_bytes,
                       .seconds = std::chrono::duration<double>(Clock::now() - start_).count()});
    }
    if (head) {
      // HEAD: the length of the body a GET would get, and no body.
      res->set(bhttp::field::content_length, std::to_string(body_bytes));
    } else {
      res->body() = std::move(body);
      res->prepare_payload();
    }
    res->keep_alive(keep_alive);
    stream_.expires_after(opts().write_timeout);
    bhttp::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive, body_bytes](beast::error_code ec, size_t) {
          self->OnWrite(ec, res->result_int(), body_bytes, keep_alive);
        });
  }

  void OnWrite(beast::error_code ec, unsigned status, size_t body_bytes, bool keep_alive) {
    if (opts().access_log) {
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
      spdlog::info("http method={} path={} status={} bytes={} duration_ms={:.3f}", method_, path_,
                   status, body_bytes, ms);
    }
    if (ec) return Close();
    if (!keep_alive) return LingerClose();
    ReadHeader();
  }

  // Half-closes, then discards whatever the client still sends for a short
  // while, so that it reads our response instead of a connection reset.
  void LingerClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  State state_ = State::kIdle;
  std::string method_ = "-";
  std::string path_ = "-";
  std::string route_;
  Clock::time_point start_ = Clock::now();
  std::array<char, 16 * 1024> scratch_;
};

util::Status ServerCore::Start() {
  if (started_) return util::InvalidArgument("server already started");
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return util::IoError("cannot resolve host [" + options_.host + "]: " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  acceptor_.emplace(asio::make_strand(ioc_));
  auto fail = [&](std::string_view what) {
    acceptor_.reset();
    return util::IoError("failed to " + std::string(what) + " [" + options_.host + ":" +
                         std::to_string(options_.port) + "]: " + ec.message());
  };
  if (acceptor_->open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (acceptor_->set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("set options on");
  }
  if (acceptor_->bind(endpoint, ec); ec) return fail("bind");
  if (acceptor_->listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("listen on");
  port_ = acceptor_->local_endpoint(ec).port();
  started_ = true;
  DoAccept();
  size_t n = ThreadCount();
  threads_.reserve(n);
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { RunThread(); });
  return util::Status::Ok();
}

void ServerCore::RunThread() {
  while (true) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http io_thread_exception what=\"{}\"", e.what());
    } catch (...) {
      spdlog::error("http io_thread_exception what=unknown");
    }
  }
}

void ServerCore::DoAccept() {
  acceptor_->async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
    if (stopping_ || !acceptor_->is_open()) return;
    if (!ec) {
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Connection>(std::move(s), *this)->Run();
    } else {
      spdlog::warn("http accept_failed error=\"{}\"", ec.message());
    }
    DoAccept();
  });
}

void ServerCore::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::unique_lock<std::mutex> lock(conns_mu_);
    for (auto& [ptr, weak] : conns_) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  for (auto& conn : live) conn->OnStop();
  live.clear();
  {
    std::unique_lock<std::mutex> lock(conns_mu_);
    conns_cv_.wait_for(lock, options_.stop_timeout, [this] { return conns_.empty(); });
  }
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

class Server::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
Server::~Server() { Stop(); }
util::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace sluice::http
