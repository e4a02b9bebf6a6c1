#include "gateway/forwarder.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "gateway/forward_headers.h"
#include "sinks/opensearch/cluster_client.h"
#include "sources/http_relay.h"
#include "sources/sigv4_signer.h"

namespace sluice::gateway {
namespace {

constexpr size_t kPiece = 64 << 10;
constexpr size_t kMaxBufferedAnswer = 64u << 20;
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A request target goes to the cluster byte for byte, so it may hold only
// what an origin-form target can: visible ASCII, no fragment.
util::Status CheckTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return util::InvalidArgument("invalid request target [" + std::string(target) + "]");
  }
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') {
      return util::InvalidArgument("invalid character in request target");
    }
  }
  return util::Status::Ok();
}

bool IsSigningHeader(std::string_view name) {
  for (std::string_view h :
       {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}) {
    if (http::EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

http::BodyFraming FramingFor(const std::string& method, long status,
                             const sources::HeaderList& headers, uint64_t* length) {
  if (method == "HEAD" || status == 204 || status == 304 || (status >= 100 && status < 200)) {
    return http::BodyFraming::kNone;
  }
  std::string_view te = FindHeader(headers, "Transfer-Encoding");
  std::string_view cl = FindHeader(headers, "Content-Length");
  if (te.empty() && !cl.empty()) {
    uint64_t n = 0;
    for (char c : cl) {
      if (c < '0' || c > '9') return http::BodyFraming::kChunked;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    *length = n;
    return http::BodyFraming::kLength;
  }
  return http::BodyFraming::kChunked;
}

}  // namespace

struct Forwarder::Target {
  std::string url;
  std::string path;   // wire path on the cluster (base path + the client's path)
  std::string query;  // raw, without '?'
  std::string method;
  sources::HeaderList headers;
};

util::Result<std::unique_ptr<Forwarder>> Forwarder::Create(GatewayOptions options) {
  SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl base, sources::ParseHttpUrl(options.cluster.url));
  if (!base.query.empty()) {
    return util::InvalidArgument("the cluster URL must not have a query string");
  }
  const auto& c = options.cluster;
  if (!c.sigv4_service.empty() && c.sigv4_service != "es" && c.sigv4_service != "aoss") {
    return util::InvalidArgument("SigV4 service must be \"es\" or \"aoss\"");
  }
  if (!c.sigv4_service.empty() &&
      (c.aws_credentials.access_key.empty() || c.aws_credentials.secret_key.empty())) {
    return util::InvalidArgument(
        "SigV4 signing needs AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  if (!c.sigv4_service.empty() && !c.user.empty()) {
    return util::InvalidArgument("choose basic auth or SigV4, not both");
  }
  if (!options.error_response) return util::InvalidArgument("the gateway needs error_response");
  return std::unique_ptr<Forwarder>(new Forwarder(std::move(options), std::move(base)));
}

Forwarder::Forwarder(GatewayOptions options, sources::ParsedUrl base)
    : options_(std::move(options)), base_(std::move(base)) {
  std::string host =
      base_.host.find(':') != std::string::npos ? "[" + base_.host + "]" : base_.host;
  host_header_ = base_.explicit_port ? host + ":" + std::to_string(base_.port) : host;
  std::string path = base_.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  origin_ = base_.scheme + "://" + host_header_ + path;
}

Forwarder::~Forwarder() = default;

util::Result<Forwarder::Target> Forwarder::MakeTarget(const http::Request& head) const {
  SLUICE_RETURN_IF_ERROR(CheckTarget(head.target));
  Target t;
  t.method = head.method;
  t.url = origin_ + head.target;
  std::string base_path = base_.path;
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  size_t q = head.target.find('?');
  t.path = base_path + head.target.substr(0, q);
  if (q != std::string::npos) t.query = head.target.substr(q + 1);
  return t;
}

void Forwarder::Sign(Target& t, const std::string& payload_hash) const {
  const auto& c = options_.cluster;
  if (!c.user.empty()) {
    std::erase_if(t.headers,
                  [](const auto& h) { return http::EqualsIgnoreCase(h.first, "Authorization"); });
    t.headers.emplace_back("Authorization", "Basic " + Base64(c.user + ":" + c.password.Reveal()));
    return;
  }
  if (c.sigv4_service.empty()) return;  // pass-through
  std::erase_if(t.headers, [](const auto& h) { return IsSigningHeader(h.first); });
  sources::SigV4Request req;
  req.method = t.method;
  req.path = t.path;
  req.query = t.query;
  req.headers = {{"host", host_header_}};
  req.payload_hash = payload_hash;
  sources::SigV4Signature sig = sources::SignV4(
      req, sinks::opensearch::ClusterSigV4Params(c, std::chrono::system_clock::now()),
      c.aws_credentials);
  t.headers.emplace_back("Host", host_header_);
  for (auto& h : sig.headers_to_add) t.headers.push_back(std::move(h));
  t.headers.emplace_back("Authorization", std::move(sig.authorization));
}

http::Response Forwarder::Failure(const http::Request& request, const util::Status& s) const {
  switch (s.code()) {
    case util::Code::kTimeout:
      return options_.error_response(
          request,
          util::Status(util::Code::kTimeout, "timeout_exception",
                       "the cluster did not answer in time: " + s.reason()),
          504);
    case util::Code::kTooLarge:
      return options_.error_response(request, s, 413);
    case util::Code::kTooManyRequests:
      return options_.error_response(request, s, 429);
    default:
      return options_.error_response(request,
                                     util::Status(util::Code::kUnavailable, "connect_exception",
                                                  "the cluster did not answer: " + s.reason()),
                                     502);
  }
}

std::unique_ptr<sources::HttpRelay> Forwarder::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto relay = std::move(idle_.back());
      idle_.pop_back();
      return relay;
    }
  }
  sources::HttpSessionOptions so;
  so.ca_cert_file = options_.cluster.ca_cert_file;
  so.insecure = options_.cluster.insecure;
  so.connect_timeout_ms = options_.cluster.connect_timeout_ms;
  so.stall_timeout_s = options_.cluster.stall_timeout_s;
  return std::make_unique<sources::HttpRelay>(std::move(so));
}

void Forwarder::Return(std::unique_ptr<sources::HttpRelay> relay) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(relay));
}

void Forwarder::Stream(http::StreamExchange& exchange) {
  const http::Request& head = exchange.head();
  auto target = MakeTarget(head);
  if (!target.ok()) {
    (void)exchange.Respond(options_.error_response(head, target.status(), 400));
    return;
  }
  target->headers =
      ForwardRequestHeaders(head.headers, exchange.remote_address(), exchange.scheme());
  const bool sigv4 = !options_.cluster.sigv4_service.empty();
  const bool hash_body = sigv4 && !options_.sigv4_unsigned_payload && exchange.has_body();
  util::Status client_error;
  std::string held;  // the body, when it must be hashed before it is sent
  if (hash_body) {
    char piece[kPiece];
    while (true) {
      auto n = exchange.ReadBody(piece, sizeof(piece));
      if (!n.ok()) {
        if (!exchange.answered() && n.status().code() != util::Code::kUnavailable) {
          (void)exchange.Respond(Failure(head, n.status()));
        }
        return;
      }
      if (*n == 0) break;
      if (held.size() + *n > options_.max_hashed_body) {
        (void)exchange.Respond(Failure(
            head, util::Status(util::Code::kTooLarge, "too_large",
                               "the request body exceeds the largest body signed with its hash [" +
                                   std::to_string(options_.max_hashed_body) + " bytes]")));
        return;
      }
      held.append(piece, *n);
    }
  }
  if (sigv4) {
    Sign(*target, hash_body             ? sources::Sha256Hex(held)
                  : exchange.has_body() ? std::string(kUnsignedPayload)
                                        : sources::Sha256Hex(""));
  } else {
    Sign(*target, "");
  }

  sources::RelayCall call;
  call.method = head.method;
  call.url = std::move(target->url);
  call.headers = std::move(target->headers);
  call.has_body = exchange.has_body();
  size_t held_offset = 0;
  if (hash_body) {
    call.body_length = held.size();
    call.read_body = [&](char* buf, size_t size) -> util::Result<size_t> {
      size_t n = std::min(size, held.size() - held_offset);
      std::memcpy(buf, held.data() + held_offset, n);
      held_offset += n;
      return n;
    };
  } else {
    call.body_length = exchange.content_length();
    call.read_body = [&](char* buf, size_t size) -> util::Result<size_t> {
      auto n = exchange.ReadBody(buf, size);
      if (!n.ok()) client_error = n.status();
      return n;
    };
  }
  const bool root = head.path == "/";
  call.on_head = [&](long status, const sources::HeaderList& headers) {
    uint64_t length = 0;
    http::BodyFraming framing = FramingFor(head.method, status, headers, &length);
    http::Request::Pairs out = ForwardResponseHeaders(headers);
    if (framing == http::BodyFraming::kNone) {
      if (std::string_view cl = FindHeader(headers, "Content-Length"); !cl.empty()) {
        out.emplace_back("Content-Length", std::string(cl));
      }
    }
    if (root) out.emplace_back("X-Sluice-Gateway", options_.version);
    return exchange.WriteHead(static_cast<int>(status), out, framing, length);
  };
  call.on_body = [&](std::string_view data) { return exchange.WriteBody(data); };

  auto relay = Borrow();
  bool head_delivered = false;
  util::Status s = relay->Perform(call, &head_delivered);
  if (s.ok()) {
    Return(std::move(relay));
    (void)exchange.Finish();
    return;
  }
  if (exchange.answered()) return;  // cut short: the connection closes
  if (!client_error.ok()) {
    if (client_error.code() != util::Code::kUnavailable) {
      (void)exchange.Respond(Failure(head, client_error));
    }
    return;
  }
  spdlog::warn("event=gateway_forward_failed method={} path={} reason=\"{}\"", head.method,
               head.path, s.reason());
  (void)exchange.Respond(Failure(head, s));
}

http::Response Forwarder::Forward(const http::Request& request) {
  auto target = MakeTarget(request);
  if (!target.ok()) return options_.error_response(request, target.status(), 400);
  target->headers = ForwardRequestHeaders(request.headers, "", "http");
  const bool sigv4 = !options_.cluster.sigv4_service.empty();
  Sign(*target, sigv4 ? sources::Sha256Hex(request.body) : "");
  sources::RelayCall call;
  call.method = request.method;
  call.url = std::move(target->url);
  call.headers = std::move(target->headers);
  call.has_body = !request.body.empty();
  call.body_length = request.body.size();
  size_t offset = 0;
  call.read_body = [&](char* buf, size_t size) -> util::Result<size_t> {
    size_t n = std::min(size, request.body.size() - offset);
    std::memcpy(buf, request.body.data() + offset, n);
    offset += n;
    return n;
  };
  http::Response res;
  call.on_head = [&](long status, const sources::HeaderList& headers) {
    res.status = static_cast<int>(status);
    res.content_type = std::string(FindHeader(headers, "Content-Type"));
    for (auto& h : ForwardResponseHeaders(headers)) {
      if (!http::EqualsIgnoreCase(h.first, "Content-Type")) res.headers.push_back(std::move(h));
    }
    return util::Status::Ok();
  };
  call.on_body = [&](std::string_view data) {
    if (res.body.size() + data.size() > kMaxBufferedAnswer) {
      return util::Unavailable("the cluster's answer exceeds " +
                               std::to_string(kMaxBufferedAnswer) + " bytes");
    }
    res.body.append(data);
    return util::Status::Ok();
  };
  auto relay = Borrow();
  util::Status s = relay->Perform(call);
  if (!s.ok()) return Failure(request, s);
  Return(std::move(relay));
  return res;
}

}  // namespace sluice::gateway
