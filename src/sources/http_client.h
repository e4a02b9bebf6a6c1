// Small HTTP helpers over libcurl shared by the network sources: the request
// value type, the retry policy (which failures are transient, backoff), URL
// parsing and redaction, and HttpFetch() for small bounded responses such as
// S3 listings and probes.
//
// Contract: functions are thread-safe (each call uses its own curl handle).
// Request headers may carry credentials; nothing here logs them, and error
// messages name only the caller's display string.
#pragma once

#include <functional>
#include <random>
#include <string>

#include "sources/sigv4_signer.h"
#include "sources/sources_options.h"
#include "util/result.h"

namespace sluice::sources {

struct HttpRequest {
  std::string url;
  HeaderList headers;  // sent verbatim; may hold secrets (Authorization, tokens)
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // lowercase names, trimmed values
  std::string body;
  bool truncated = false;  // the body was longer than max_body; `body` is its prefix

  // The first header named `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
};

// Builds the request for one attempt (S3 re-signs each attempt with a fresh date).
using RequestBuilder = std::function<util::Result<HttpRequest>()>;

// True for statuses worth retrying: 408, 429 and 5xx.
bool IsRetryableHttpStatus(long status);

// Sleep before retry number `attempt` (1-based): initial_backoff_ms * 2^(attempt-1),
// capped at max_backoff_ms, plus up to 25% jitter from `rng`.
int BackoffMs(int attempt, const SourcesOptions& options, std::minstd_rand& rng);

// GET with retries on transient failures (connection errors, timeouts,
// IsRetryableHttpStatus); returns the final response whatever its status.
// A back-off ends early with kCancelled once `cancel` (may be null) is cancelled.
// A body over `max_body` bytes stops the transfer: the response comes back with
// the prefix and `truncated` set. Transport failure after
// options.max_retries retries → kUnavailable naming `display`.
util::Result<HttpResponse> HttpFetch(const RequestBuilder& build, const SourcesOptions& options,
                                     const std::string& display, size_t max_body,
                                     const util::CancelSignal* cancel = nullptr);

// HttpFetch with a method: "GET", or "POST" sending `body` (API calls such
// as OpenAI's batches). The same retries; pass options with max_retries 0
// for a call that must not be repeated.
util::Result<HttpResponse> HttpSend(const RequestBuilder& build, const std::string& method,
                                    const std::string& body, const SourcesOptions& options,
                                    const std::string& display, size_t max_body,
                                    const util::CancelSignal* cancel = nullptr);

struct ParsedUrl {
  std::string scheme;  // lowercase "http" / "https"
  std::string host;    // lowercase, without brackets for IPv6
  int port = 0;        // explicit or the scheme's default
  bool explicit_port = false;
  std::string path;   // encoded path, "/" when empty
  std::string query;  // without '?'
};

// Parses an absolute http(s) URL; anything else is kInvalidArgument.
util::Result<ParsedUrl> ParseHttpUrl(const std::string& url);

// The URL without user-info and query string (which may carry credentials).
std::string RedactUrl(const std::string& url);

}  // namespace sluice::sources
