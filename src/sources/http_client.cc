#include "sources/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "sources/curl_common.h"

namespace sluice::sources {
namespace {

struct FetchState {
  HttpResponse response;
  size_t max_body = 0;
  bool too_large = false;
};

size_t FetchWrite(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<FetchState*>(user);
  size_t n = size * nmemb;
  if (state->response.body.size() + n > state->max_body) {
    state->response.body.append(data, state->max_body - state->response.body.size());
    state->too_large = true;
    return 0;
  }
  state->response.body.append(data, n);
  return n;
}

size_t FetchHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<FetchState*>(user);
  std::string_view line(data, size * nmemb);
  if (line.starts_with("HTTP/")) {
    state->response.headers.clear();  // a new response (after 100 Continue)
  } else if (auto header = ParseHeaderLine(line)) {
    state->response.headers.push_back(std::move(*header));
  }
  return size * nmemb;
}

}  // namespace

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

bool IsRetryableHttpStatus(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

int BackoffMs(int attempt, const SourcesOptions& options, std::minstd_rand& rng) {
  int64_t delay = options.initial_backoff_ms;
  for (int i = 1; i < attempt && delay < options.max_backoff_ms; ++i) delay *= 2;
  delay = std::min<int64_t>(delay, options.max_backoff_ms);
  int64_t jitter = delay / 4 > 0 ? static_cast<int64_t>(rng() % (delay / 4 + 1)) : 0;
  return static_cast<int>(delay + jitter);
}

util::Result<HttpResponse> HttpFetch(const RequestBuilder& build, const SourcesOptions& options,
                                     const std::string& display, size_t max_body,
                                     const util::CancelSignal* cancel) {
  return HttpSend(build, "GET", "", options, display, max_body, cancel);
}

util::Result<HttpResponse> HttpSend(const RequestBuilder& build, const std::string& method,
                                    const std::string& body, const SourcesOptions& options,
                                    const std::string& display, size_t max_body,
                                    const util::CancelSignal* cancel) {
  std::minstd_rand rng(std::random_device{}());
  std::string last_failure;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0 && util::SleepUnlessCancelled(
                           cancel, std::chrono::milliseconds(BackoffMs(attempt, options, rng)))) {
      return util::Cancelled("the task was cancelled while retrying " + display);
    }
    SLUICE_ASSIGN_OR_RETURN(HttpRequest request, build());
    CurlEasy easy;
    if (!easy) return util::Internal("curl_easy_init failed");
    CurlHeaders headers(request.headers);
    FetchState state;
    state.max_body = max_body;
    ConfigureCommon(easy.get(), options);
    curl_easy_setopt(easy.get(), CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
    if (method == "POST") {
      curl_easy_setopt(easy.get(), CURLOPT_POST, 1L);
      curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.data());
    }
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, FetchWrite);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(easy.get(), CURLOPT_HEADERFUNCTION, FetchHeader);
    curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, &state);
    CURLcode rc = curl_easy_perform(easy.get());
    if (state.too_large) {
      // The caller asked for a bounded prefix (e.g. a probe that got a whole object).
      curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &state.response.status);
      state.response.truncated = true;
      return std::move(state.response);
    }
    if (rc == CURLE_OK) {
      curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &state.response.status);
      if (!IsRetryableHttpStatus(state.response.status) || attempt >= options.max_retries) {
        return std::move(state.response);
      }
      last_failure = "HTTP " + std::to_string(state.response.status);
      continue;
    }
    last_failure = curl_easy_strerror(rc);
    if (!IsRetryableCurlError(rc) || attempt >= options.max_retries) {
      return util::Unavailable("request to " + display + " failed after " +
                               std::to_string(attempt) + " retries: " + last_failure);
    }
  }
}

util::Result<ParsedUrl> ParseHttpUrl(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return util::InvalidArgument("[" + RedactUrl(url) + "] is not a valid URL");
  }
  auto part = [&](CURLUPart which, unsigned flags = 0) -> std::string {
    char* value = nullptr;
    if (curl_url_get(handle.get(), which, &value, flags) != CURLUE_OK || value == nullptr) {
      return "";
    }
    std::string out(value);
    curl_free(value);
    return out;
  };
  ParsedUrl parsed;
  parsed.scheme = part(CURLUPART_SCHEME);
  std::transform(parsed.scheme.begin(), parsed.scheme.end(), parsed.scheme.begin(), ::tolower);
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return util::InvalidArgument("[" + RedactUrl(url) + "] is not an http(s) URL");
  }
  parsed.host = part(CURLUPART_HOST);
  std::transform(parsed.host.begin(), parsed.host.end(), parsed.host.begin(), ::tolower);
  if (parsed.host.size() > 2 && parsed.host.front() == '[' && parsed.host.back() == ']') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }
  if (parsed.host.empty()) return util::InvalidArgument("[" + RedactUrl(url) + "] has no host");
  std::string explicit_port = part(CURLUPART_PORT);
  parsed.explicit_port = !explicit_port.empty();
  parsed.port = std::atoi(part(CURLUPART_PORT, CURLU_DEFAULT_PORT).c_str());
  parsed.path = part(CURLUPART_PATH);
  if (parsed.path.empty()) parsed.path = "/";
  parsed.query = part(CURLUPART_QUERY);
  return parsed;
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  size_t query = out.find_first_of("?#");
  if (query != std::string::npos) out.resize(query);
  size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t authority = scheme_end + 3;
    size_t path = out.find('/', authority);
    size_t at = out.rfind('@', path == std::string::npos ? std::string::npos : path);
    if (at != std::string::npos && at >= authority) out.erase(authority, at + 1 - authority);
  }
  return out;
}

}  // namespace sluice::sources
