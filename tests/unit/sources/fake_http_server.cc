#include "fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sluice::sources::testing {
namespace {

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 302:
      return "Found";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::string FakeRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

FakeHttpServer::FakeHttpServer(FakeHandler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 64) != 0) {
    std::abort();  // test infrastructure failure
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);  // unblocks pending sends
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
  close(listen_fd_);
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHttpServer::AcceptLoop() {
  while (!stop_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.insert(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeHttpServer::Serve(int fd) {
  std::string data;
  char buf[4096];
  while (data.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  FakeRequest request;
  size_t line_end = data.find("\r\n");
  if (line_end != std::string::npos) {
    std::string line = data.substr(0, line_end);
    size_t sp1 = line.find(' ');
    size_t sp2 = line.rfind(' ');
    request.method = line.substr(0, sp1);
    request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    size_t pos = line_end + 2;
    while (true) {
      size_t end = data.find("\r\n", pos);
      if (end == std::string::npos || end == pos) break;
      std::string header = data.substr(pos, end - pos);
      size_t colon = header.find(':');
      if (colon != std::string::npos) {
        std::string name = header.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = header.find_first_not_of(' ', colon + 1);
        request.headers[name] = v == std::string::npos ? "" : header.substr(v);
      }
      pos = end + 2;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    FakeResponse response = handler_(request);
    std::string head =
        "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    size_t body_bytes =
        std::min(response.body.size(), response.drop_after.value_or(response.body.size()));
    if (SendAll(fd, head.data(), head.size())) SendAll(fd, response.body.data(), body_bytes);
    while (response.hang && !stop_) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, 50) > 0 && recv(fd, buf, sizeof(buf), 0) <= 0) break;  // client left
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
  }
  close(fd);
}

FakeResponse ServeBytes(const FakeRequest& request, const std::string& data) {
  std::string range = request.Header("range");
  if (range.rfind("bytes=", 0) != 0) return FakeResponse{200, {}, data, std::nullopt};
  char* end = nullptr;
  size_t start = std::strtoull(range.c_str() + 6, &end, 10);
  size_t last = data.empty() ? 0 : data.size() - 1;
  if (end != nullptr && *end == '-' && end[1] != '\0') {
    last = std::min<size_t>(last, std::strtoull(end + 1, nullptr, 10));
  }
  if (start >= data.size()) {
    return FakeResponse{
        416, {{"Content-Range", "bytes */" + std::to_string(data.size())}}, "", std::nullopt};
  }
  std::string content_range = "bytes " + std::to_string(start) + "-" + std::to_string(last) + "/" +
                              std::to_string(data.size());
  return FakeResponse{
      206, {{"Content-Range", content_range}}, data.substr(start, last - start + 1), std::nullopt};
}

}  // namespace sluice::sources::testing
