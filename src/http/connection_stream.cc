// Connection::HandStream: a request no route serves goes, header parsed and
// body unread, to ServerOptions::stream_handler on the stream pool, through
// SocketExchange — blocking I/O on the connection's descriptor with poll()
// timeouts, while the connection's strand waits (state kBusy) as it does for
// any handler.
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <string>

#include "http/server_internal.h"
#include "http/stream_exchange.h"

namespace sluice::http {
namespace {

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }

// Blocking reads and writes on a socket Asio keeps non-blocking: each call
// waits with poll() for at most its timeout. A SyncReadStream for Beast.
class PollStream {
 public:
  PollStream(int fd, std::chrono::milliseconds read_timeout,
             std::chrono::milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      return Recv(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Sends every byte of the iovecs; false on timeout or a broken connection.
  bool SendAll(iovec* iov, int count) {
    while (count > 0) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(count);
      ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && Wait(POLLOUT, write_timeout_)) continue;
        return false;
      }
      auto left = static_cast<size_t>(n);
      while (count > 0 && left >= iov->iov_len) {
        left -= iov->iov_len;
        ++iov;
        --count;
      }
      if (count > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + left;
        iov->iov_len -= left;
      }
    }
    return true;
  }

 private:
  size_t Recv(void* data, size_t size, beast::error_code& ec) {
    while (true) {
      ssize_t n = ::recv(fd_, data, size, MSG_DONTWAIT);
      if (n > 0) {
        ec = {};
        return static_cast<size_t>(n);
      }
      if (n == 0) {
        ec = asio::error::eof;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (Wait(POLLIN, read_timeout_)) continue;
        ec = beast::error::timeout;
        return 0;
      }
      ec = beast::error_code(errno, boost::system::system_category());
      return 0;
    }
  }

  bool Wait(short events, std::chrono::milliseconds timeout) {
    pollfd p{.fd = fd_, .events = events, .revents = 0};
    while (true) {
      int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (r < 0 && errno == EINTR) continue;
      return r > 0;
    }
  }

  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
};

class SocketExchange final : public StreamExchange {
 public:
  SocketExchange(ServerCore& server, int fd, beast::flat_buffer& buffer,
                 bhttp::request_parser<bhttp::string_body>&& header, Request head,
                 std::string remote, InFlightBytes::Reservation& reservation)
      : server_(server),
        stream_(fd, server.options().body_timeout, server.options().write_timeout),
        buffer_(buffer),
        parser_(std::move(header)),
        head_(std::move(head)),
        remote_(std::move(remote)),
        reservation_(reservation) {
    const auto& req = parser_.get();
    version_ = req.version();
    keep_alive_ = req.keep_alive() && version_ >= 11;
    if (auto n = parser_.content_length()) length_ = *n;
    has_body_ = !parser_.is_done();
    expect_continue_ = EqualsIgnoreCase(Sv(req[bhttp::field::expect]), "100-continue");
    // A Content-Length was checked before; a chunked body is limited here.
    parser_.body_limit(server.options().max_content_length);
  }

  const Request& head() const override { return head_; }
  std::string remote_address() const override { return remote_; }
  std::string_view scheme() const override { return "http"; }
  std::optional<uint64_t> content_length() const override { return length_; }
  bool has_body() const override { return has_body_; }
  bool answered() const override { return answered_; }

  // The connection may serve another request: the whole exchange went right.
  bool reusable() const { return finished_ && !close_ && !broken_; }
  unsigned status() const { return status_; }
  uint64_t body_bytes() const { return written_; }

  util::Result<size_t> ReadBody(char* buf, size_t size) override {
    if (broken_ || must_close_) return util::Unavailable("the client connection is closed");
    if (!has_body_ || parser_.is_done() || size == 0) return size_t{0};
    if (expect_continue_) {
      expect_continue_ = false;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      iovec iov{const_cast<char*>(kContinue.data()), kContinue.size()};
      if (!stream_.SendAll(&iov, 1)) return Broken("writing 100 Continue");
    }
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = buf;
      body.size = size;
      body.more = true;
      beast::error_code ec;
      bhttp::read_some(stream_, buffer_, parser_, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec == bhttp::error::body_limit) {
        must_close_ = true;  // the answer may still be written
        return util::Status(util::Code::kTooLarge, "too_large",
                            "the request body exceeds the limit [http.max_content_length=" +
                                std::to_string(server_.options().max_content_length) + " bytes]");
      }
      if (ec) return Broken("reading the request body: " + ec.message());
      size_t n = size - parser_.get().body().size;
      if (n == 0) continue;
      if (!length_) {
        if (util::Status s = server_.in_flight().Reserve(reservation_, n); !s.ok()) {
          server_.CountBreakerTrip();
          must_close_ = true;
          return s;
        }
      }
      return n;
    }
    return size_t{0};
  }

  util::Status WriteHead(int status, const Request::Pairs& headers, BodyFraming framing,
                         uint64_t content_length = 0) override {
    if (answered_) return util::Internal("the response head was already written");
    answered_ = true;
    status_ = static_cast<unsigned>(status);
    framing_ = framing;
    length_left_ = content_length;
    // A body not read to its end leaves the connection unusable.
    close_ = must_close_ || !keep_alive_ || server_.stopping() ||
             (has_body_ && !parser_.is_done()) ||
             (framing == BodyFraming::kChunked && version_ < 11);
    std::string out = "HTTP/" + std::to_string(version_ / 10) + "." +
                      std::to_string(version_ % 10) + " " + std::to_string(status) + " " +
                      std::string(Sv(bhttp::obsolete_reason(static_cast<bhttp::status>(status)))) +
                      "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    if (framing == BodyFraming::kLength) {
      out += "Content-Length: " + std::to_string(content_length) + "\r\n";
    } else if (framing == BodyFraming::kChunked && version_ >= 11) {
      out += "Transfer-Encoding: chunked\r\n";
    }
    if (close_) out += "Connection: close\r\n";
    out += "\r\n";
    // Sent with the first piece of the body (one packet for small answers).
    pending_head_ = std::move(out);
    if (framing == BodyFraming::kNone) return Flush();
    return util::Status::Ok();
  }

  util::Status WriteBody(std::string_view data) override {
    if (broken_) return util::Unavailable("the client connection is closed");
    if (!answered_ || finished_) return util::Internal("WriteBody outside a response body");
    if (data.empty()) return util::Status::Ok();
    if (framing_ == BodyFraming::kNone) return util::Internal("this response has no body");
    auto* bytes = const_cast<char*>(data.data());
    if (framing_ == BodyFraming::kLength || version_ < 11) {
      if (framing_ == BodyFraming::kLength && data.size() > length_left_) {
        broken_ = true;
        return util::Internal("response body longer than its Content-Length");
      }
      length_left_ -= std::min<uint64_t>(length_left_, data.size());
      iovec iov[2] = {{pending_head_.data(), pending_head_.size()}, {bytes, data.size()}};
      if (!stream_.SendAll(iov, 2)) return Broken("writing the response body");
    } else {
      char size_line[24];
      int n = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
      static char crlf[] = "\r\n";
      iovec iov[4] = {{pending_head_.data(), pending_head_.size()},
                      {size_line, static_cast<size_t>(n)},
                      {bytes, data.size()},
                      {crlf, 2}};
      if (!stream_.SendAll(iov, 4)) return Broken("writing the response body");
    }
    pending_head_.clear();
    written_ += data.size();
    return util::Status::Ok();
  }

  util::Status Finish() override {
    if (broken_) return util::Unavailable("the client connection is closed");
    if (!answered_ || finished_) return util::Internal("Finish outside a response");
    if (framing_ == BodyFraming::kLength && length_left_ != 0) {
      broken_ = true;
      return util::Internal("response body shorter than its Content-Length");
    }
    if (framing_ == BodyFraming::kChunked && version_ >= 11) {
      static char last[] = "0\r\n\r\n";
      iovec iov[2] = {{pending_head_.data(), pending_head_.size()}, {last, 5}};
      if (!stream_.SendAll(iov, 2)) return Broken("writing the last chunk");
      pending_head_.clear();
    }
    SLUICE_RETURN_IF_ERROR(Flush());
    finished_ = true;
    return util::Status::Ok();
  }

  util::Status Respond(const Response& r) override {
    Request::Pairs headers;
    headers.emplace_back("Content-Type", r.content_type);
    for (const auto& h : r.headers) headers.push_back(h);
    if (head_.method == "HEAD") {
      headers.emplace_back("Content-Length", std::to_string(r.body.size()));
      SLUICE_RETURN_IF_ERROR(WriteHead(r.status, headers, BodyFraming::kNone));
    } else {
      SLUICE_RETURN_IF_ERROR(WriteHead(r.status, headers, BodyFraming::kLength, r.body.size()));
      SLUICE_RETURN_IF_ERROR(WriteBody(r.body));
    }
    return Finish();
  }

 private:
  // Sends a head still waiting for its body.
  util::Status Flush() {
    if (pending_head_.empty()) return util::Status::Ok();
    iovec iov{pending_head_.data(), pending_head_.size()};
    if (!stream_.SendAll(&iov, 1)) return Broken("writing the response head");
    pending_head_.clear();
    return util::Status::Ok();
  }

  util::Status Broken(const std::string& what) {
    broken_ = true;
    return util::Unavailable("client " + remote_ + ": " + what + " failed");
  }

  ServerCore& server_;
  PollStream stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body> parser_;
  Request head_;
  std::string remote_;
  InFlightBytes::Reservation& reservation_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::optional<uint64_t> length_;
  bool has_body_ = false;
  bool expect_continue_ = false;
  bool answered_ = false;
  bool finished_ = false;
  bool close_ = false;
  bool broken_ = false;      // the socket failed: nothing more can be written
  bool must_close_ = false;  // the body was refused part-way: answer, then close
  unsigned status_ = 0;
  BodyFraming framing_ = BodyFraming::kNone;
  uint64_t length_left_ = 0;
  uint64_t written_ = 0;
  std::string pending_head_;
};

}  // namespace

// A stream handler reads and writes the socket itself, so it is offered plain
// TCP connections only: TLS connections are answered by the Router (serve
// refuses --gateway with --tls-cert; see docs/opensearch-cluster.md).
template <class Stream>
bool Connection<Stream>::Streams() const {
  if constexpr (kTls) return false;
  if (!opts().stream_handler) return false;
  const auto& req = parser_->get();
  return server_.router().Find(method_, path_).handler == nullptr && !req.target().empty() &&
         req.target().front() == '/';
}

template <class Stream>
void Connection<Stream>::HandStream() {
  state_ = State::kBusy;
  route_ = "stream";
  lowest().expires_never();
  struct Job {
    Request head;
    std::string remote;
    InFlightBytes::Reservation reservation;
  };
  auto job = std::make_shared<Job>();
  job->head = RequestHead();
  beast::error_code ec;
  auto endpoint = lowest().socket().remote_endpoint(ec);
  job->remote = ec ? "-" : endpoint.address().to_string();
  job->reservation = std::move(reservation_);
  auto executor = stream_.get_executor();
  std::function<void()> task = [self = this->shared_from_this(), executor, &server = server_, job] {
    bool reusable = false;
    unsigned status = 0;
    uint64_t bytes = 0;
    {
      SocketExchange exchange(server, self->lowest().socket().native_handle(), self->buffer_,
                              std::move(*self->parser_), std::move(job->head),
                              std::move(job->remote), job->reservation);
      try {
        server.options().stream_handler(exchange);
      } catch (const std::exception& e) {
        spdlog::error("http stream_handler_exception what=\"{}\"", e.what());
      } catch (...) {
        spdlog::error("http stream_handler_exception what=unknown");
      }
      if (!exchange.answered()) {
        (void)exchange.Respond(SimpleError(500, "the request was not answered"));
      }
      reusable = exchange.reusable();
      status = exchange.status();
      bytes = exchange.body_bytes();
    }
    asio::post(executor,
               [self, job, reusable, status, bytes] { self->EndStream(reusable, status, bytes); });
  };
  if (!server_.stream_pool().Submit(task)) {
    reservation_ = std::move(job->reservation);
    WorkerPool::Stats st = server_.stream_pool().GetStats();
    server_.CountRejection();
    Refuse(ExecutionRejected("http request [" + method_ + " " + path_ + "]",
                             server_.stream_pool().name(), st.queue_size, st.threads, st.active,
                             st.queued, st.completed),
           /*keep_alive=*/false);
  }
}

template <class Stream>
void Connection<Stream>::EndStream(bool reusable, unsigned status, uint64_t body_bytes) {
  if (opts().observer) {
    opts().observer({.method = method_,
                     .route = route_,
                     .status = status,
                     .response_bytes = body_bytes,
                     .seconds = std::chrono::duration<double>(Clock::now() - start_).count()});
  }
  if (opts().access_log) {
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
    spdlog::info("http method={} path={} status={} bytes={} duration_ms={:.3f} streamed=true",
                 method_, path_, status, body_bytes, ms);
  }
  reservation_.Reset();
  parser_.reset();
  if (!reusable) return Close();
  WaitForRequest();
}

// connection.cc instantiates the class; these are the members defined here.
template bool Connection<PlainStream>::Streams() const;
template void Connection<PlainStream>::HandStream();
template void Connection<PlainStream>::EndStream(bool, unsigned, uint64_t);
template bool Connection<TlsStream>::Streams() const;
template void Connection<TlsStream>::HandStream();
template void Connection<TlsStream>::EndStream(bool, unsigned, uint64_t);

}  // namespace sluice::http
