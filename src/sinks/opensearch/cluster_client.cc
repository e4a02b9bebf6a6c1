#include "sinks/opensearch/cluster_client.h"

#include <chrono>
#include <thread>

#include "sinks/opensearch/bulk_protocol.h"
#include "sources/aws_credentials.h"
#include "sources/http_session.h"
#include "sources/outgoing_url.h"
#include "sources/sigv4_signer.h"

namespace sluice::sinks::opensearch {
namespace {

bool IsRetryableStatus(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace

sources::SigV4Params ClusterSigV4Params(const OpenSearchOptions& options,
                                        std::chrono::system_clock::time_point time) {
  sources::SigV4Params params;
  params.region = options.sigv4_region;
  params.service = options.sigv4_service;
  params.time = time;
  params.sign_content_sha256 = true;
  return params;
}

util::Result<std::unique_ptr<ClusterClient>> ClusterClient::Create(OpenSearchOptions options) {
  SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl base, sources::ParseHttpUrl(options.url));
  if (!base.query.empty()) {
    return util::InvalidArgument("the cluster URL must not have a query string");
  }
  if (!options.sigv4_service.empty() && options.sigv4_service != "es" &&
      options.sigv4_service != "aoss") {
    return util::InvalidArgument("SigV4 service must be \"es\" or \"aoss\", not [" +
                                 options.sigv4_service + "]");
  }
  if (!options.sigv4_service.empty() && !options.aws_credential_chain &&
      (options.aws_credentials.access_key.empty() || options.aws_credentials.secret_key.empty())) {
    return util::InvalidArgument(
        "SigV4 signing needs AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  if (!options.sigv4_service.empty() && !options.user.empty()) {
    return util::InvalidArgument("choose basic auth or SigV4, not both");
  }
  if (options.max_in_flight < 1) options.max_in_flight = 1;
  if (options.bulk_bytes < 1024) options.bulk_bytes = 1024;
  if (options.max_retries < 0) options.max_retries = 0;
  return std::unique_ptr<ClusterClient>(new ClusterClient(std::move(options), std::move(base)));
}

ClusterClient::ClusterClient(OpenSearchOptions options, sources::ParsedUrl base)
    : options_(std::move(options)), base_(std::move(base)), rng_(std::random_device{}()) {}

ClusterClient::~ClusterClient() = default;

std::string ClusterClient::display_url() const { return sources::RedactUrl(options_.url); }

ClusterCounters ClusterClient::counters() const {
  return {requests_.load(), retried_requests_.load(), bytes_sent_.load()};
}

bool ClusterClient::Backoff(int attempt, const util::CancelSignal* cancel) {
  int64_t delay = options_.initial_backoff_ms;
  for (int i = 1; i < attempt && delay < options_.max_backoff_ms; ++i) delay *= 2;
  delay = std::min<int64_t>(delay, options_.max_backoff_ms);
  int64_t jitter = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (delay / 4 > 0) jitter = static_cast<int64_t>(rng_() % (delay / 4 + 1));
  }
  return util::SleepUnlessCancelled(cancel, std::chrono::milliseconds(delay + jitter));
}

std::unique_ptr<sources::HttpSession> ClusterClient::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
  }
  sources::HttpSessionOptions so;
  so.ca_cert_file = options_.ca_cert_file;
  so.insecure = options_.insecure;
  if (options_.authorization.Reveal().empty()) so.basic_user = options_.user;
  so.basic_password = options_.password;
  so.connect_timeout_ms = options_.connect_timeout_ms;
  so.stall_timeout_s = options_.stall_timeout_s;
  return std::make_unique<sources::HttpSession>(std::move(so));
}

void ClusterClient::Return(std::unique_ptr<sources::HttpSession> session) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(session));
}

util::Result<sources::HttpResponse> ClusterClient::SendOnce(const std::string& method,
                                                            const std::string& path,
                                                            std::string_view wire_body,
                                                            bool gzipped) {
  // The one URL builder validates the host and encodes every segment; `path`
  // comes encoded ("/" + UriEncode(index) + "/_bulk"), so decode it first.
  std::string raw_path = path;
  std::string raw_query;
  if (size_t q = raw_path.find('?'); q != std::string::npos) {
    raw_query = raw_path.substr(q + 1);
    raw_path.resize(q);
  }
  sources::OutgoingUrlSpec spec;
  spec.scheme = base_.scheme;
  spec.host = base_.host;
  spec.port = base_.explicit_port ? base_.port : 0;
  spec.base_path = base_.path;
  if (raw_path.starts_with("/")) raw_path.erase(0, 1);
  if (!raw_path.empty()) {
    for (const std::string& segment : sources::SplitPathSegments(raw_path)) {
      spec.segments.push_back(sources::PercentDecode(segment));
    }
  }
  spec.query = sources::DecodeQuery(raw_query);
  SLUICE_ASSIGN_OR_RETURN(sources::OutgoingUrl url, sources::BuildOutgoingUrl(spec));
  const std::string& full_path = url.path;
  const std::string& query = url.query;
  sources::HttpCall call;
  call.method = method;
  call.url = url.url;
  call.body = wire_body;
  call.headers.push_back({"host", url.host_header});
  if (!wire_body.empty() || method == "POST" || method == "PUT") {
    call.headers.push_back({"content-type", "application/json"});
  }
  if (gzipped) call.headers.push_back({"content-encoding", "gzip"});
  if (!options_.authorization.Reveal().empty()) {
    call.headers.push_back({"authorization", options_.authorization.Reveal()});
  }
  if (!options_.sigv4_service.empty()) {
    sources::SigV4Request req{method, full_path, query, call.headers,
                              sources::Sha256Hex(wire_body)};
    sources::SigV4Credentials keys = options_.aws_credentials;
    if (keys.access_key.empty() && options_.aws_credential_chain) {
      SLUICE_ASSIGN_OR_RETURN(keys, options_.aws_credential_chain->Get());
    }
    sources::SigV4Signature sig = sources::SignV4(
        req, ClusterSigV4Params(options_, std::chrono::system_clock::now()), keys);
    for (auto& h : sig.headers_to_add) call.headers.push_back(std::move(h));
    call.headers.push_back({"authorization", std::move(sig.authorization)});
  }
  auto session = Borrow();
  ++requests_;
  bytes_sent_ += wire_body.size();
  auto response = session->Send(call);
  // A session whose exchange failed may hold a broken connection; drop it.
  if (response.ok()) Return(std::move(session));
  return response;
}

util::Result<sources::HttpResponse> ClusterClient::Send(const std::string& method,
                                                        const std::string& path,
                                                        std::string_view body, bool gzip_body,
                                                        ClusterCounters* tally, int max_retries,
                                                        const util::CancelSignal* cancel) {
  ClusterCounters ignored;
  if (tally == nullptr) tally = &ignored;
  if (max_retries < 0) max_retries = options_.max_retries;
  std::string compressed;
  if (gzip_body && !body.empty()) {
    SLUICE_ASSIGN_OR_RETURN(compressed, Gzip(body));
    body = compressed;
  }
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      ++retried_requests_;
      ++tally->retried_requests;
      if (Backoff(attempt, cancel)) {
        return util::Cancelled("the task was cancelled while retrying cluster " + display_url());
      }
    }
    ++tally->requests;
    tally->bytes_sent += body.size();
    auto response = SendOnce(method, path, body, gzip_body && !body.empty());
    if (!response.ok()) {
      if (response.status().code() != util::Code::kUnavailable || attempt >= max_retries) {
        return util::Status(response.status().code(), "connect_exception",
                            "cluster " + display_url() + ": " + response.status().reason() +
                                " (after " + std::to_string(attempt) + " retries)");
      }
      continue;
    }
    if (IsRetryableStatus(response->status) && attempt < max_retries) continue;
    return response;
  }
}

}  // namespace sluice::sinks::opensearch
