// ClusterClient: requests to one OpenSearch cluster — URL building under the
// base URL, authentication (HTTP basic through the session, or AWS SigV4 for
// "es" / "aoss" signed per attempt), gzip bodies, a pool of keep-alive
// sessions, and request-level retries with exponential backoff and jitter on
// transport failures and 429/502/503/504.
//
// Thread-safety: Send may be called from many threads at once; each call
// borrows its own session. Credentials are never logged nor put in a Status.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/opensearch/opensearch_options.h"
#include "sources/http_client.h"
#include "util/result.h"

namespace sluice::sources {
class HttpSession;
}

namespace sluice::sinks::opensearch {

// Counters of what a client sent, for progress and the final summary.
struct ClusterCounters {
  uint64_t requests = 0;          // HTTP requests sent, retries included
  uint64_t retried_requests = 0;  // whole requests sent again (429/5xx, dropped connection)
  uint64_t bytes_sent = 0;        // request bytes on the wire (after gzip)
};

class ClusterClient {
 public:
  static util::Result<std::unique_ptr<ClusterClient>> Create(OpenSearchOptions options);
  ~ClusterClient();

  // `path` starts with '/', may carry a query. Returns the final response
  // whatever its status once it is not retryable or retries are exhausted;
  // kUnavailable when the transport kept failing; kInvalidArgument for
  // failures no retry cures (TLS verification).
  // `tally`, when given, gets this call's requests, retries and bytes added.
  // `max_retries` < 0 means options().max_retries. Once `cancel` (may be
  // null) is cancelled, a retry back-off ends at once with kCancelled.
  util::Result<sources::HttpResponse> Send(const std::string& method, const std::string& path,
                                           std::string_view body, bool gzip_body,
                                           ClusterCounters* tally = nullptr, int max_retries = -1,
                                           const util::CancelSignal* cancel = nullptr);

  // Sleep before retry `attempt` (1-based): exponential, capped, with jitter;
  // cut short when `cancel` (may be null) is cancelled. True when cancelled.
  bool Backoff(int attempt, const util::CancelSignal* cancel = nullptr);

  ClusterCounters counters() const;
  const OpenSearchOptions& options() const { return options_; }
  std::string display_url() const;

 private:
  explicit ClusterClient(OpenSearchOptions options, sources::ParsedUrl base);
  util::Result<sources::HttpResponse> SendOnce(const std::string& method, const std::string& path,
                                               std::string_view wire_body, bool gzipped);
  std::unique_ptr<sources::HttpSession> Borrow();
  void Return(std::unique_ptr<sources::HttpSession> session);

  const OpenSearchOptions options_;
  const sources::ParsedUrl base_;

  std::mutex mu_;  // guards idle_ and rng_
  std::vector<std::unique_ptr<sources::HttpSession>> idle_;
  std::minstd_rand rng_;

  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> retried_requests_{0};
  std::atomic<uint64_t> bytes_sent_{0};
};

// The signing parameters for the cluster's SigV4 service ("es" or "aoss"):
// path normalisation as for every non-S3 service, and the content hash header
// (required by "aoss", harmless for "es").
sources::SigV4Params ClusterSigV4Params(const OpenSearchOptions& options,
                                        std::chrono::system_clock::time_point time);

}  // namespace sluice::sinks::opensearch
