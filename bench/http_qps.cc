// http_qps: a minimal closed-loop HTTP/1.1 load generator for bench/knn_http_bench.mjs
// (run by hand), so that the figure measures the server rather than Node's HTTP client.
//
//   http_qps <port> <method> <path> <bodies|-> <seconds> <connections>...
//
// For each connection count, that many threads each open one keep-alive connection to
// 127.0.0.1:<port> and send <method> <path> back to back for <seconds>, each request
// carrying the next line of the file <bodies> (round-robin, thread t starting at line t;
// "-" = no body). Requests are formatted before the clock starts; a response is read by
// its Content-Length. Prints "http_qps connections=<n> qps=<q> queries=<total>"; exits 1 on any
// status other than 200 or a broken connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      std::perror("send");
      std::exit(1);
    }
    off += static_cast<size_t>(n);
  }
}

// Reads one response into `buf` (which may hold the start of it); leaves any
// bytes after it in `buf`. Returns the status code.
int ReadResponse(int fd, std::string& buf) {
  char chunk[64 * 1024];
  size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      std::fprintf(stderr, "connection closed by the server\n");
      std::exit(1);
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  std::string_view head(buf.data(), header_end);
  int status = std::atoi(buf.c_str() + 9);  // "HTTP/1.1 200"
  size_t length = 0;
  for (size_t pos = 0; (pos = head.find("\r\n", pos)) != std::string_view::npos;) {
    pos += 2;
    if (strncasecmp(head.data() + pos, "content-length:", 15) == 0) {
      length = std::strtoul(head.data() + pos + 15, nullptr, 10);
    }
  }
  const size_t total = header_end + 4 + length;
  while (buf.size() < total) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      std::fprintf(stderr, "connection closed by the server\n");
      std::exit(1);
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  buf.erase(0, total);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: http_qps port method path bodies|- seconds connections...\n");
    return 2;
  }
  const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  const std::string method = argv[2], path = argv[3], bodies_file = argv[4];
  const double seconds = std::atof(argv[5]);
  std::vector<std::string> requests;
  auto format = [&](const std::string& body) {
    std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!body.empty()) {
      r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
    }
    return r + "\r\n" + body;
  };
  if (bodies_file == "-") {
    requests.push_back(format(""));
  } else {
    std::ifstream in(bodies_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) requests.push_back(format(line));
    }
  }
  if (requests.empty()) {
    std::fprintf(stderr, "no request bodies in %s\n", bodies_file.c_str());
    return 2;
  }
  for (int a = 6; a < argc; ++a) {
    const int connections = std::atoi(argv[a]);
    std::atomic<uint64_t> done{0};
    std::atomic<bool> failed{false};
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    auto run = [&](int t) {
      int fd = Connect(port);
      std::string buf;
      uint64_t local = 0;
      for (size_t q = static_cast<size_t>(t) % requests.size();
           std::chrono::steady_clock::now() < until; q = (q + 1) % requests.size()) {
        SendAll(fd, requests[q]);
        if (ReadResponse(fd, buf) != 200) failed = true;
        ++local;
      }
      close(fd);
      done += local;
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < connections; ++t) threads.emplace_back(run, t);
    for (auto& t : threads) t.join();
    if (failed) {
      std::fprintf(stderr, "a response was not 200\n");
      return 1;
    }
    std::printf("http_qps connections=%d qps=%.0f queries=%llu\n", connections,
                static_cast<double>(done) / seconds, static_cast<unsigned long long>(done.load()));
  }
  return 0;
}
