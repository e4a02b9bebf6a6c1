#include "http/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include "http/server_internal.h"

namespace sluice::http {
namespace {

constexpr std::chrono::milliseconds kMinAcceptBackoff{10};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{100};

size_t Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

WorkerPoolOptions PoolOptions(std::string name, const PoolSize& size, size_t default_threads,
                              size_t default_queue) {
  return {.name = std::move(name),
          .threads = size.threads > 0 ? size.threads : default_threads,
          .queue_size = size.queue_size > 0 ? size.queue_size : default_queue,
          .nice = size.nice};
}

uint64_t InFlightLimit(const ServerOptions& o) {
  if (o.max_in_flight_bytes > 0) return o.max_in_flight_bytes;
  uint64_t memory = PhysicalMemoryBytes();
  return memory > 0 ? memory / 10 : uint64_t{1} << 30;
}

// Errors that say the process or system is out of a resource: retrying at
// once would fail again and spin.
bool IsResourceExhaustion(const beast::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

}  // namespace

bool RateLimitedLog::Allow(uint64_t* suppressed) {
  Clock::time_point now = Clock::now();
  if (last_ && now - *last_ < interval_) {
    ++suppressed_;
    return false;
  }
  last_ = now;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

ServerCore::ServerCore(ServerOptions options, const Router& router)
    : options_(std::move(options)),
      router_(router),
      in_flight_(InFlightLimit(options_)),
      max_connections_(MaxConnections()),
      ioc_(static_cast<int>(IoThreadCount())) {}

ServerCore::~ServerCore() {
  for (auto& pool : pools_) {
    if (pool) pool->Shutdown();
  }
  if (stream_pool_) stream_pool_->Shutdown();
}

size_t ServerCore::IoThreadCount() const { return options_.threads > 0 ? options_.threads : 2; }

size_t ServerCore::MaxConnections() const {
  if (options_.max_connections > 0) return options_.max_connections;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 10000;
  return std::max<size_t>(16, static_cast<size_t>(limit.rlim_cur) / 2);
}

ServerStats ServerCore::GetStats() const {
  ServerStats stats{.open_connections = open_connections_.load(),
                    .connections_refused = connections_refused_.load(),
                    .accept_errors = accept_errors_.load(),
                    .in_flight_bytes = in_flight_.used(),
                    .in_flight_limit = in_flight_.limit(),
                    .breaker_trips = breaker_trips_.load(),
                    .rejected = rejected_.load(),
                    .pools = {}};
  if (started_) {
    for (size_t i = 0; i < kPoolCount; ++i) stats.pools[i] = pools_[i]->GetStats();
  }
  return stats;
}

Response ServerCore::RenderRefusal(const Request& request, const util::Status& status) {
  if (options_.error_response) return options_.error_response(request, status);
  return SimpleError(429, status.reason());
}

void ServerCore::Register(ConnectionBase* conn, std::weak_ptr<ConnectionBase> weak) {
  std::lock_guard<std::mutex> lock(conns_mu_);
  conns_.emplace(conn, std::move(weak));
}

void ServerCore::Unregister(ConnectionBase* conn) {
  open_connections_.fetch_sub(1);
  std::lock_guard<std::mutex> lock(conns_mu_);
  conns_.erase(conn);
  if (conns_.empty()) conns_cv_.notify_all();
}

util::Status ServerCore::Start() {
  if (started_) return util::InvalidArgument("server already started");
  if (options_.tls.enabled()) {
    tls_ = std::make_unique<TlsContexts>(options_.tls);
    if (util::Status s = tls_->Reload(); !s.ok()) return s;
  }
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
  auto strand = asio::make_strand(ioc_);
  acceptor_.emplace(strand);
  accept_backoff_timer_.emplace(strand);
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
  const size_t cores = Cores();
  pools_[static_cast<size_t>(Pool::kManagement)] = std::make_unique<WorkerPool>(
      PoolOptions("management", options_.management_pool,
                  std::max<size_t>(2, std::min<size_t>(5, cores)), 1000));
  pools_[static_cast<size_t>(Pool::kSearch)] = std::make_unique<WorkerPool>(
      PoolOptions("search", options_.search_pool, cores * 3 / 2 + 1, 1000));
  pools_[static_cast<size_t>(Pool::kWrite)] =
      std::make_unique<WorkerPool>(PoolOptions("write", options_.write_pool, cores, 1000));
  if (options_.stream_handler) {
    stream_pool_ = std::make_unique<WorkerPool>(
        PoolOptions("stream", options_.stream_pool, std::max<size_t>(16, cores * 4), 1000));
  }
  work_.emplace(ioc_.get_executor());
  asio::dispatch(acceptor_->get_executor(), [this] { DoAccept(); });
  size_t n = IoThreadCount();
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
    OnAccept(ec, std::move(s));
  });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket s) {
  if (stopping_ || !acceptor_->is_open()) return;
  if (ec) {
    accept_errors_.fetch_add(1, std::memory_order_relaxed);
    uint64_t suppressed = 0;
    if (accept_log_.Allow(&suppressed)) {
      spdlog::warn("http accept_failed error=\"{}\" suppressed={} open_connections={}",
                   ec.message(), suppressed, open_connections_.load());
    }
    if (IsResourceExhaustion(ec)) {
      // The pending connection stays in the backlog and the listener stays
      // readable: wait before trying again instead of spinning on it.
      accept_backoff_ = accept_backoff_.count() == 0
                            ? kMinAcceptBackoff
                            : std::min(kMaxAcceptBackoff, accept_backoff_ * 2);
      accept_backoff_timer_->expires_after(accept_backoff_);
      accept_backoff_timer_->async_wait([this](beast::error_code wait_ec) {
        if (wait_ec || stopping_) return;
        DoAccept();
      });
      return;
    }
    return DoAccept();
  }
  accept_backoff_ = std::chrono::milliseconds(0);
  if (open_connections_.load() >= max_connections_) {
    connections_refused_.fetch_add(1, std::memory_order_relaxed);
    uint64_t suppressed = 0;
    if (refused_log_.Allow(&suppressed)) {
      spdlog::warn("http connection_refused reason=max_connections limit={} suppressed={}",
                   max_connections_, suppressed);
    }
    beast::error_code ignored;
    s.close(ignored);
    return DoAccept();
  }
  beast::error_code ignored;
  s.set_option(tcp::no_delay(true), ignored);
  open_connections_.fetch_add(1);
  if (tls_) {
    std::make_shared<Connection<TlsStream>>(std::move(s), *this, tls_->Current())->Run();
  } else {
    std::make_shared<Connection<PlainStream>>(std::move(s), *this, nullptr)->Run();
  }
  DoAccept();
}

void ServerCore::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    accept_backoff_timer_->cancel();
  });
  std::vector<std::shared_ptr<ConnectionBase>> live;
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
  // Handlers still running (past stop_timeout) finish before the I/O threads go.
  for (auto& pool : pools_) pool->Shutdown();
  if (stream_pool_) stream_pool_->Shutdown();
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

util::Status ServerCore::ReloadTls() { return tls_ ? tls_->Reload() : util::Status::Ok(); }

void ServerCore::LogHandshakeFailure(const beast::error_code& ec) {
  uint64_t suppressed = 0;
  std::lock_guard<std::mutex> lock(handshake_log_mu_);
  if (handshake_log_.Allow(&suppressed)) {
    spdlog::warn("http tls_handshake_failed error=\"{}\" suppressed={}", ec.message(), suppressed);
  }
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
ServerStats Server::GetStats() const { return impl_->GetStats(); }
util::Status Server::ReloadTls() { return impl_->ReloadTls(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace sluice::http
