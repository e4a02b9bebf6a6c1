#include "cli/rest_client.h"

#include <rapidjson/document.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <exception>
#include <utility>

#include "http/request.h"
#include "http/router.h"

namespace sluice::cli {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = boost::asio::ip::tcp;

class InProcessClient : public RestClient {
 public:
  InProcessClient(const http::Router& router, std::string description)
      : router_(router), description_(std::move(description)) {}

  util::Result<RestReply> Call(std::string_view method, std::string_view target,
                               std::string_view body) override {
    http::Request::Pairs headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    http::Request req = http::Request::Make(std::string(method), std::string(target),
                                            std::string(body), std::move(headers));
    http::Response res = router_.Dispatch(req);
    return RestReply{res.status, std::move(res.content_type), std::move(res.body)};
  }

  std::string Describe() const override { return description_; }

 private:
  const http::Router& router_;
  const std::string description_;
};

class HttpClient : public RestClient {
 public:
  HttpClient(std::string host, std::string port, std::string prefix,
             std::chrono::milliseconds timeout, std::string authorization)
      : host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)),
        timeout_(timeout),
        authorization_(std::move(authorization)) {}

  util::Result<RestReply> Call(std::string_view method, std::string_view target,
                               std::string_view body) override {
    // Beast and Asio report failures by exception here; they end at this edge.
    try {
      return Exchange(method, target, body);
    } catch (const std::exception& e) {
      return util::Unavailable("cannot reach sluice at " + Describe() + ": " + e.what());
    }
  }

  std::string Describe() const override { return "http://" + host_ + ":" + port_ + prefix_; }

 private:
  RestReply Exchange(std::string_view method, std::string_view target, std::string_view body) {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout_);
    stream.connect(resolver.resolve(host_, port_));
    bhttp::request<bhttp::string_body> req;
    req.method_string(std::string(method));
    req.target(prefix_ + std::string(target));
    req.version(11);
    req.set(bhttp::field::host, host_ + ":" + port_);
    req.set(bhttp::field::user_agent, "sluice-cli");
    req.set(bhttp::field::connection, "close");
    if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
    if (!authorization_.empty()) req.set(bhttp::field::authorization, authorization_);
    req.body() = std::string(body);
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 30);
    bhttp::read(stream, buffer, parser);
    auto& res = parser.get();
    RestReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.content_type = std::string(res[bhttp::field::content_type]);
    reply.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return reply;
  }

  const std::string host_, port_, prefix_;
  const std::chrono::milliseconds timeout_;
  const std::string authorization_;
};

}  // namespace

std::string ReplyError(const RestReply& reply) {
  rapidjson::Document d;
  d.Parse(reply.body.data(), reply.body.size());
  std::string prefix = "HTTP " + std::to_string(reply.status) + ": ";
  if (!d.HasParseError() && d.IsObject() && d.HasMember("error")) {
    const auto& e = d["error"];
    if (e.IsString()) return prefix + e.GetString();
    auto describe = [](const rapidjson::Value& v) -> std::string {
      if (!v.IsObject() || !v.HasMember("reason") || !v["reason"].IsString()) return "";
      std::string type = v.HasMember("type") && v["type"].IsString() ? v["type"].GetString() : "";
      return (type.empty() ? "" : type + ": ") + v["reason"].GetString();
    };
    if (std::string top = describe(e); !top.empty()) {
      // "all shards failed" says little: the root cause says what to fix.
      if (e.HasMember("root_cause") && e["root_cause"].IsArray() && !e["root_cause"].Empty()) {
        std::string root = describe(e["root_cause"][0]);
        if (!root.empty() && root != top) top += " (caused by " + root + ")";
      }
      return prefix + top;
    }
  }
  return prefix + reply.body;
}

std::unique_ptr<RestClient> MakeInProcessClient(const http::Router& router,
                                                std::string description) {
  return std::make_unique<InProcessClient>(router, std::move(description));
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(user) + ":" + std::string(password);
  std::string out = "Basic ";
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

util::Result<std::unique_ptr<RestClient>> MakeHttpClient(std::string_view base_url,
                                                         std::chrono::milliseconds timeout,
                                                         std::string authorization) {
  constexpr std::string_view kScheme = "http://";
  if (!base_url.starts_with(kScheme)) {
    return util::InvalidArgument("--server must be an http:// URL, got [" + std::string(base_url) +
                                 "]");
  }
  std::string_view rest = base_url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix(slash == std::string_view::npos ? "" : rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::string host(authority), port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return util::InvalidArgument("bad --server URL [" + std::string(base_url) + "]");
    }
    host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = std::string(authority.substr(close + 2));
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    return util::InvalidArgument("bad --server URL [" + std::string(base_url) + "]");
  }
  return std::unique_ptr<RestClient>(std::make_unique<HttpClient>(
      std::move(host), std::move(port), std::move(prefix), timeout, std::move(authorization)));
}

}  // namespace sluice::cli
