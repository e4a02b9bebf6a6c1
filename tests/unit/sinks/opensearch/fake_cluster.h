// FakeCluster: a loopback HTTP/1.1 server for the sink's tests. Each request
// goes to a handler that returns a status and body, or asks to drop the
// connection without answering. Connections are kept alive; the server counts
// accepted connections. Test-only: simple blocking sockets, one thread per
// connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::sinks::opensearch::testing {

struct FakeRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  bool drop = false;  // close the connection without answering
};

class FakeCluster {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeCluster(Handler handler) : handler_(std::move(handler)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener_, 16);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~FakeCluster() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) shutdown(fd, SHUT_RDWR);
    for (auto& t : workers_) t.join();
    for (int fd : fds_) close(fd);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Accept() {
    while (!stopping_) {
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buffer;
    char chunk[65536];
    for (;;) {
      size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      FakeRequest req;
      std::string head = buffer.substr(0, header_end);
      size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      req.method = first.substr(0, first.find(' '));
      size_t p = first.find(' ') + 1;
      req.path = first.substr(p, first.find(' ', p) - p);
      for (size_t pos = line_end + 2; pos < head.size() && line_end != std::string::npos;) {
        size_t end = head.find("\r\n", pos);
        std::string line = head.substr(pos, end == std::string::npos ? end : end - pos);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), ::tolower);
          size_t v = line.find_first_not_of(' ', colon + 1);
          req.headers[name] = v == std::string::npos ? "" : line.substr(v);
        }
        if (end == std::string::npos) break;
        pos = end + 2;
      }
      size_t length =
          req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
      buffer.erase(0, header_end + 4);
      while (buffer.size() < length) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      req.body = buffer.substr(0, length);
      buffer.erase(0, length);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      FakeResponse res = handler_(req);
      if (res.drop) {
        shutdown(fd, SHUT_RDWR);
        return;
      }
      std::string out = "HTTP/1.1 " + std::to_string(res.status) +
                        " X\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(res.body.size()) + "\r\n\r\n" + res.body;
      if (write(fd, out.data(), out.size()) < 0) return;
    }
  }

  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> workers_;
  std::vector<FakeRequest> requests_;
};

}  // namespace sluice::sinks::opensearch::testing
