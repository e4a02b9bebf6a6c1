// libFuzzer target: an HTTP/1.1 request as the server reads it off a socket.
//
// The bytes go through Beast's request parser with the server's header limit
// and a content-length limit (as http/server.cc configures it), then become
// an http::Request the way the server builds one (target split, query string
// decoding, headers, gzip/deflate bodies inflated under the limit) and are
// dispatched by a Router with path parameters. Invariants: nothing crashes or
// trips a sanitizer; an inflated body never exceeds the limit.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/compression.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server.h"

namespace {

namespace bhttp = boost::beast::http;
using sluice::http::Request;
using sluice::http::Response;

constexpr size_t kMaxContentLength = 1 << 20;  // smaller than the default, same code path

std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

sluice::http::Router MakeRouter() {
  sluice::http::Router router;
  auto echo = [](const Request& req) {
    Response r;
    r.body = std::string(req.PathParam("index")) + "|" + std::string(req.PathParam("id"));
    if (auto q = req.Query("pretty")) r.body.append(*q);
    r.body.append(req.Header("content-type"));
    return r;
  };
  router.Add("GET", "/", echo);
  router.Add("PUT", "/{index}", echo);
  router.Add("GET", "/{index}/_doc/{id}", echo);
  router.Add("POST", "/{index}/_bulk", echo);
  router.Add("POST", "/_bulk", echo);
  router.Add("DELETE", "/{index}/_doc/{id}", echo);
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sluice::http::Router router = MakeRouter();
  static const size_t header_limit = sluice::http::ServerOptions{}.max_header_size;

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(header_limit));
  parser.body_limit(kMaxContentLength);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Fed in two pieces, as a request split across reads arrives; the parser
  // leaves what it cannot consume yet for the next read.
  size_t split = size == 0 ? 0 : data[0] % (size + 1);
  std::string pending;
  for (std::string_view piece : {input.substr(0, split), input.substr(split)}) {
    pending.append(piece);
    while (!pending.empty() && !parser.is_done()) {
      size_t n = parser.put(boost::asio::buffer(pending.data(), pending.size()), ec);
      if (ec == bhttp::error::need_more) {
        ec = {};
        pending.erase(0, n);
        break;
      }
      if (ec) return 0;  // the server answers 400/413/431
      pending.erase(0, n);
      if (n == 0) break;
    }
  }
  if (!parser.is_done()) {
    // A connection closed before any byte of a request is end_of_stream to Beast's
    // read (the server closes quietly); put_eof requires got_some().
    if (!parser.got_some()) return 0;
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }

  auto& breq = parser.get();
  std::string target(Sv(breq.target()));
  if (target.empty() || target.front() != '/') return 0;  // the server answers 400
  Request req = Request::Make(std::string(Sv(breq.method_string())), target);
  for (const auto& field : breq) {
    req.headers.emplace_back(std::string(Sv(field.name_string())), std::string(Sv(field.value())));
  }
  std::string_view encoding = Sv(breq[bhttp::field::content_encoding]);
  auto body = sluice::http::DecodeContent(encoding, breq.body(), kMaxContentLength);
  if (body.ok()) {
    // The limit holds for inflated bodies too (a gzip bomb is refused, not inflated).
    if (body->size() > kMaxContentLength) std::abort();
    req.body = std::move(body).value();
  } else if (body.status().reason().empty()) {
    std::abort();  // every error says why
  }
  Response res = router.Dispatch(req);
  if (res.status < 100 || res.status > 599) std::abort();
  (void)sluice::http::PercentDecode(req.path, /*plus_as_space=*/false);
  return 0;
}
