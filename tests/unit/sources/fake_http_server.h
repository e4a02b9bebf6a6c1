// FakeHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 (port 0) for tests of
// the network sources. Each connection is served by its own thread and
// closed after one response. A handler decides the response; it can also cut
// the connection after part of the body to simulate a dropped transfer.
// Requests are recorded for assertions. Thread-safe; stops in the destructor.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::sources::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path?query as sent
  std::string path;
  std::string query;
  std::map<std::string, std::string> headers;  // lowercase names

  std::string Header(const std::string& lower_name) const;
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Send only this many body bytes, then close (Content-Length announces all).
  std::optional<size_t> drop_after;
  // After sending (drop_after bytes of) the body, keep the connection open and
  // silent until the client gives up or the server stops: a stalled transfer.
  bool hang = false;
};

using FakeHandler = std::function<FakeResponse(const FakeRequest&)>;

class FakeHttpServer {
 public:
  explicit FakeHttpServer(FakeHandler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests() const;

 private:
  void AcceptLoop();
  void Serve(int fd);

  FakeHandler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;  // guarded by mu_
  std::vector<std::thread> workers_;   // guarded by mu_
  std::set<int> open_fds_;             // guarded by mu_
};

// Answers a GET for `data`, honouring "Range: bytes=N-" and "bytes=N-M" with 206.
FakeResponse ServeBytes(const FakeRequest& request, const std::string& data);

}  // namespace sluice::sources::testing
