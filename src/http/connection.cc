#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "http/compression.h"
#include "http/server_internal.h"

namespace sluice::http {
namespace {

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

template <class Stream>
Stream Connection<Stream>::MakeStream(tcp::socket socket, asio::ssl::context* tls) {
  if constexpr (kTls) {
    return Stream(std::move(socket), *tls);
  } else {
    (void)tls;
    return Stream(std::move(socket));
  }
}

template <class Stream>
Connection<Stream>::Connection(tcp::socket socket, ServerCore& server,
                               std::shared_ptr<asio::ssl::context> tls)
    : tls_(std::move(tls)), stream_(MakeStream(std::move(socket), tls_.get())), server_(server) {
  beast::error_code ec;
  auto endpoint = lowest().socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

template <class Stream>
Connection<Stream>::~Connection() {
  server_.Unregister(this);
}

template <class Stream>
void Connection<Stream>::Run() {
  server_.Register(this, this->weak_from_this());
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->Handshake();
    } else {
      self->WaitForRequest();
    }
  });
}

// TLS only: the handshake, under header_timeout, before the first request.
template <class Stream>
void Connection<Stream>::Handshake() {
  if constexpr (kTls) {
    lowest().expires_after(opts().header_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                self->server_.LogHandshakeFailure(ec);
                                return self->Close();
                              }
                              self->WaitForRequest();
                            });
  }
}

template <class Stream>
void Connection<Stream>::OnStop() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->state_ == State::kIdle) self->lowest().socket().close();
  });
}

// Waits for the first byte of the next request under idle_timeout (bytes of
// a pipelined request may already be buffered), then reads its header.
template <class Stream>
void Connection<Stream>::WaitForRequest() {
  if (server_.stopping()) return Close();
  state_ = State::kIdle;
  method_ = "-";
  path_ = "-";
  route_.clear();
  reservation_.Reset();
  if (buffer_.size() > 0) return ReadHeader();
  lowest().expires_after(opts().idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->ReadHeader();
                          });
}

template <class Stream>
void Connection<Stream>::ReadHeader() {
  if (server_.stopping()) return Close();
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(opts().max_header_size));
  // Checked against our limits after the header (see OnHeader). Not boost::none:
  // Beast 1.74 compares Content-Length > none as true and rejects every body.
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  chunked_ = false;
  budget_limited_ = false;
  lowest().expires_after(opts().header_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

template <class Stream>
void Connection<Stream>::OnHeader(beast::error_code ec) {
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
  if (auto len = parser_->content_length()) {
    if (*len > opts().max_content_length) return SendTooLarge(*len);
    // Refused before a byte of the body is read: the budget bounds memory.
    if (util::Status s = server_.in_flight().Reserve(reservation_, *len); !s.ok()) {
      server_.CountBreakerTrip();
      return Refuse(s, /*keep_alive=*/false);
    }
  } else if (!parser_->is_done()) {
    chunked_ = true;
  }
  if (Streams()) return HandStream();
  if (parser_->is_done()) return Handle();
  if (EqualsIgnoreCase(Sv(req[bhttp::field::expect]), "100-continue")) {
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                     req.version());
    lowest().expires_after(opts().write_timeout);
    return bhttp::async_write(
        stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->ReadBody();
        });
  }
  ReadBody();
}

template <class Stream>
void Connection<Stream>::ReadBody() {
  state_ = State::kBody;
  uint64_t limit = opts().max_content_length;
  if (chunked_) {
    // The length is unknown: read no more than what is left of the budget.
    uint64_t left = server_.in_flight().available();
    if (left < limit) {
      limit = left;
      budget_limited_ = true;
    }
  }
  parser_->body_limit(limit);
  lowest().expires_after(opts().body_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

template <class Stream>
void Connection<Stream>::OnBody(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    if (budget_limited_) {
      server_.CountBreakerTrip();
      return Refuse(
          InFlightBreakerTripped(server_.in_flight().used() + parser_->get().body().size() + 1,
                                 server_.in_flight().limit()),
          /*keep_alive=*/false);
    }
    return SendTooLarge(std::nullopt);
  }
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    return Close();
  }
  if (ec) return SendError(400, "malformed HTTP request: " + ec.message());
  if (chunked_) {
    if (util::Status s = server_.in_flight().Reserve(reservation_, parser_->get().body().size());
        !s.ok()) {
      server_.CountBreakerTrip();
      return Refuse(s, /*keep_alive=*/false);
    }
  }
  Handle();
}

// The request without its body: what a refusal is rendered for.
template <class Stream>
Request Connection<Stream>::RequestHead() const {
  Request req;
  req.method = method_;
  req.path = path_;
  req.remote_address = remote_address_;
  if (parser_ && parser_->is_header_done()) {
    const auto& breq = parser_->get();
    req.target = std::string(Sv(breq.target()));
    size_t q = req.target.find('?');
    if (q != std::string::npos) {
      req.query_params = ParseQueryString(std::string_view(req.target).substr(q + 1));
    }
    req.headers.reserve(std::distance(breq.begin(), breq.end()));
    for (const auto& field : breq) {
      req.headers.emplace_back(std::string(Sv(field.name_string())),
                               std::string(Sv(field.value())));
    }
  }
  return req;
}

template <class Stream>
void Connection<Stream>::Refuse(const util::Status& status, bool keep_alive) {
  Send(server_.RenderRefusal(RequestHead(), status), keep_alive);
}

template <class Stream>
void Connection<Stream>::Handle() {
  state_ = State::kBusy;
  auto& breq = parser_->get();
  if (breq.target().empty() || breq.target().front() != '/') {
    return SendError(400, "invalid request target [" + std::string(Sv(breq.target())) + "]");
  }
  Request req = RequestHead();
  req.body = std::move(breq.body());
  const bool keep_alive = breq.keep_alive();
  Pool pool = server_.router().PoolFor(req.method, req.path);
  WorkerPool& workers = server_.pool(pool);
  auto executor = stream_.get_executor();
  // Shared, not moved into the task: std::function needs a copyable target.
  struct Job {
    Request req;
    InFlightBytes::Reservation reservation;
    Response res;
  };
  auto job = std::make_shared<Job>();
  job->req = std::move(req);
  job->reservation = std::move(reservation_);
  std::function<void()> task = [self = this->shared_from_this(), executor, &server = server_, job,
                                queued = Clock::now(), keep_alive] {
    job->res = Work(server, job->req, queued, job->reservation);
    if (job->res.delay.count() > 0) {
      // The delay's timer belongs to the strand.
      return asio::post(executor, [self, job, keep_alive] {
        self->reservation_ = std::move(job->reservation);
        self->route_ = std::move(job->req.route);
        self->SendLater(std::move(job->res), keep_alive);
      });
    }
    // Written from here rather than posted back to the strand: the bytes
    // leave on this thread (Asio tries the write at once), and the response
    // does not wait for an I/O thread to be scheduled — on busy cores that
    // wait was most of a cheap request's latency. See the class comment for
    // why this thread may touch the connection now.
    self->reservation_ = std::move(job->reservation);  // held until the response is written
    self->route_ = std::move(job->req.route);
    self->Send(std::move(job->res), keep_alive);
  };
  if (!workers.Submit(task)) {
    reservation_ = std::move(job->reservation);
    WorkerPool::Stats st = workers.GetStats();
    server_.CountRejection();
    std::string what = "http request [" + method_ + " " + path_ + "]";
    Refuse(ExecutionRejected(what, workers.name(), st.queue_size, st.threads, st.active, st.queued,
                             st.completed),
           keep_alive);
  }
}

template <class Stream>
Response Connection<Stream>::Work(ServerCore& server, Request& req, Clock::time_point queued,
                                  InFlightBytes::Reservation& reservation) {
  const ServerOptions& o = server.options();
  if (o.queue_timeout.count() > 0 && Clock::now() - queued > o.queue_timeout) {
    server.CountRejection();
    Pool pool = server.router().PoolFor(req.method, req.path);
    WorkerPool::Stats st = server.pool(pool).GetStats();
    return server.RenderRefusal(
        req, ExecutionRejected(
                 "http request [" + req.method + " " + req.path + "] queued longer than [" +
                     std::to_string(o.queue_timeout.count()) + "ms]",
                 PoolName(pool), st.queue_size, st.threads, st.active, st.queued, st.completed));
  }
  std::string_view encoding = req.Header("Content-Encoding");
  if (!encoding.empty() && !EqualsIgnoreCase(encoding, "identity")) {
    auto decoded = DecodeContent(encoding, req.body, o.max_content_length);
    if (!decoded.ok()) {
      if (decoded.status().code() == util::Code::kTooLarge) {
        return SimpleError(413,
                           "Request Entity Too Large: the request body exceeds the limit "
                           "[http.max_content_length=" +
                               std::to_string(o.max_content_length) + " bytes]");
      }
      return SimpleError(400, decoded.status().reason());
    }
    // The inflated body counts too, for as long as it is held.
    if (util::Status s = server.in_flight().Reserve(reservation, decoded->size()); !s.ok()) {
      server.CountBreakerTrip();
      return server.RenderRefusal(req, s);
    }
    req.body = std::move(decoded).value();
  }
  Response res = server.router().Dispatch(req);
  // Compressed here, not on the I/O thread: a large search response would
  // hold it for as long as gzip takes.
  bool has_encoding = false;
  for (const auto& [name, value] : res.headers) {
    if (EqualsIgnoreCase(name, "Content-Encoding")) has_encoding = true;
  }
  if (o.compress_responses && !has_encoding && res.body.size() > kGzipMinBytes &&
      AcceptsGzip(req.Header("Accept-Encoding"))) {
    if (auto gz = GzipCompress(res.body); gz.ok()) {
      res.body = std::move(gz).value();
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
  }
  return res;
}

// Holds a response for its delay on a timer of the connection's strand (no
// thread waits), then sends it. The connection reads nothing meanwhile.
template <class Stream>
void Connection<Stream>::SendLater(Response r, bool keep_alive) {
  auto timer = std::make_shared<asio::steady_timer>(stream_.get_executor());
  timer->expires_after(r.delay);
  auto res = std::make_shared<Response>(std::move(r));
  timer->async_wait([self = this->shared_from_this(), timer, res, keep_alive](beast::error_code) {
    self->Send(std::move(*res), keep_alive && !self->server_.stopping());
  });
}

template <class Stream>
void Connection<Stream>::SendTooLarge(std::optional<uint64_t> length) {
  std::string msg = "Request Entity Too Large: the request body";
  if (length) msg += " of [" + std::to_string(*length) + "] bytes";
  msg +=
      " exceeds the limit [http.max_content_length=" + std::to_string(opts().max_content_length) +
      " bytes]";
  Send(SimpleError(413, msg), /*keep_alive=*/false);
}

template <class Stream>
void Connection<Stream>::SendError(int status, std::string message) {
  Send(SimpleError(status, message), /*keep_alive=*/false);
}

template <class Stream>
void Connection<Stream>::Send(Response r, bool keep_alive) {
  // A worker calls this in kBusy, while OnStop may read state_ on the strand.
  if (state_ != State::kBusy) state_ = State::kBusy;
  keep_alive = keep_alive && !server_.stopping();
  const bool head = method_ == "HEAD";
  unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(r.status), version);
  res->set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res->insert(name, value);
  std::string body = std::move(r.body);
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
  lowest().expires_after(opts().write_timeout);
  bhttp::async_write(
      stream_, *res,
      [self = this->shared_from_this(), res, keep_alive, body_bytes](beast::error_code ec, size_t) {
        self->OnWrite(ec, res->result_int(), body_bytes, keep_alive);
      });
}

template <class Stream>
void Connection<Stream>::OnWrite(beast::error_code ec, unsigned status, size_t body_bytes,
                                 bool keep_alive) {
  if (opts().access_log) {
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
    spdlog::info("http method={} path={} status={} bytes={} duration_ms={:.3f}", method_, path_,
                 status, body_bytes, ms);
  }
  reservation_.Reset();
  if (ec) return Close();
  if (!keep_alive) return LingerClose();
  WaitForRequest();
}

// Half-closes, then discards whatever the client still sends for a short
// while, so that it reads our response instead of a connection reset.
template <class Stream>
void Connection<Stream>::LingerClose() {
  lowest().expires_after(kLingerTime);
  if constexpr (kTls) {
    // close_notify, then wait (as long as the linger) for the client's.
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Close(); });
  } else {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Drain();
  }
}

template <class Stream>
void Connection<Stream>::Drain() {
  stream_.async_read_some(asio::buffer(scratch_),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->Drain();
                          });
}

template <class Stream>
void Connection<Stream>::Close() {
  beast::error_code ignored;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest().socket().close(ignored);
  reservation_.Reset();
}

template class Connection<PlainStream>;
template class Connection<TlsStream>;

}  // namespace sluice::http
