// TestConnection: a small blocking HTTP/1.1 client for the server tests, built
// on Beast with a deadline on every operation so a misbehaving server fails a
// test instead of hanging it. Raw bytes can be sent for malformed requests.
#pragma once

// GCC's -Wmaybe-uninitialized misfires inside Beast's parser (boost::optional)
// in sanitizer builds; the headers are third-party.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"  // Asio's fences, in TSan builds
#endif
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::http::testing {

struct ClientResponse {
  int status = 0;  // 0 when no response could be read
  std::string error;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class TestConnection {
 public:
  explicit TestConnection(uint16_t port,
                          std::chrono::milliseconds deadline = std::chrono::seconds(10))
      : stream_(ioc_), deadline_(deadline) {
    boost::beast::error_code ec;
    stream_.socket().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
  }

  // Opens the socket now and connects only on Connect(): a test can hold the
  // descriptor before it lowers RLIMIT_NOFILE.
  struct Deferred {};
  TestConnection(uint16_t port, Deferred,
                 std::chrono::milliseconds deadline = std::chrono::seconds(10))
      : stream_(ioc_), deadline_(deadline), port_(port) {
    boost::beast::error_code ec;
    stream_.socket().open(boost::asio::ip::tcp::v4(), ec);
  }
  bool Connect() {
    boost::beast::error_code ec;
    stream_.socket().connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    connected_ = !ec;
    return connected_;
  }

  bool connected() const { return connected_; }

  // Writes raw bytes; false on error.
  bool SendRaw(std::string_view data) {
    boost::beast::error_code result;
    stream_.expires_after(deadline_);
    boost::asio::async_write(stream_, boost::asio::buffer(data.data(), data.size()),
                             [&](boost::beast::error_code ec, size_t) { result = ec; });
    Run();
    return !result;
  }

  // Reads one response. With `head`, does not expect a body.
  ClientResponse Read(bool head = false) {
    namespace bhttp = boost::beast::http;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    boost::beast::error_code result;
    stream_.expires_after(deadline_);
    bhttp::async_read(stream_, buffer_, parser,
                      [&](boost::beast::error_code ec, size_t) { result = ec; });
    Run();
    ClientResponse out;
    if (result) {
      out.error = result.message();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    return out;
  }

  // Sends one well-formed request (Content-Length set when there is a body) and
  // reads its response.
  ClientResponse Request(std::string_view method, std::string_view target, std::string body = {},
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::string raw =
        std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    raw += "\r\n" + body;
    if (!SendRaw(raw)) return ClientResponse{0, "send failed", {}, {}, false};
    return Read(method == "HEAD");
  }

  // True when the server closes the connection (EOF or reset) before the deadline.
  bool WaitForClose() {
    char byte;
    boost::beast::error_code result;
    stream_.expires_after(deadline_);
    stream_.async_read_some(boost::asio::buffer(&byte, 1),
                            [&](boost::beast::error_code ec, size_t) { result = ec; });
    Run();
    return result && result != boost::beast::error::timeout;
  }

 private:
  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds deadline_;
  uint16_t port_ = 0;
  bool connected_ = false;
};

}  // namespace sluice::http::testing
