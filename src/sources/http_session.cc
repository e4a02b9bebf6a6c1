#include "sources/http_session.h"

#include <curl/curl.h>

#include "sources/curl_common.h"

namespace sluice::sources {
namespace {

struct Exchange {
  HttpResponse response;
  size_t max_body = 0;
};

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<Exchange*>(user);
  size_t n = size * nmemb;
  size_t room = state->max_body - state->response.body.size();
  if (n > room) {
    state->response.body.append(data, room);
    state->response.truncated = true;
    return n;  // keep reading so the connection stays reusable
  }
  state->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<Exchange*>(user);
  std::string_view line(data, size * nmemb);
  if (line.starts_with("HTTP/")) {
    state->response.headers.clear();
  } else if (auto header = ParseHeaderLine(line)) {
    state->response.headers.push_back(std::move(*header));
  }
  return size * nmemb;
}

}  // namespace

struct HttpSession::Handle {
  CurlEasy easy;
};

HttpSession::HttpSession(HttpSessionOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

HttpSession::~HttpSession() = default;

util::Result<HttpResponse> HttpSession::Send(const HttpCall& call, size_t max_body) {
  CURL* easy = handle_->easy.get();
  if (easy == nullptr) return util::Internal("curl_easy_init failed");
  // Reset keeps the connection cache: the next exchange reuses the connection.
  curl_easy_reset(easy);
  SourcesOptions common;
  common.connect_timeout_ms = options_.connect_timeout_ms;
  common.stall_timeout_s = options_.stall_timeout_s;
  ConfigureCommon(easy, common);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 0L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  if (!options_.ca_cert_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_cert_file.c_str());
  }
  if (options_.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options_.basic_user.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(easy, CURLOPT_USERNAME, options_.basic_user.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, options_.basic_password.Reveal().c_str());
  }
  CurlHeaders headers(call.headers);
  Exchange state;
  state.max_body = max_body;
  curl_easy_setopt(easy, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  if (call.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (call.method == "GET" && call.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    if (call.method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  CURLcode rc = curl_easy_perform(easy);
  // The password must not linger in the handle between exchanges.
  curl_easy_setopt(easy, CURLOPT_PASSWORD, "");
  if (rc != CURLE_OK) {
    std::string reason =
        call.method + " " + RedactUrl(call.url) + " failed: " + curl_easy_strerror(rc);
    if (IsRetryableCurlError(rc)) return util::Unavailable(std::move(reason));
    return util::InvalidArgument(std::move(reason));
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &state.response.status);
  return std::move(state.response);
}

}  // namespace sluice::sources
