#include "sources/curl_common.h"

#include <cctype>
#include <cstring>

namespace sluice::sources {

CurlHeaders::CurlHeaders(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    std::string line = name + (value.empty() ? ";" : ": " + value);
    list_ = curl_slist_append(list_, line.c_str());
    std::fill(line.begin(), line.end(), '\0');
  }
  // curl adds "Expect: 100-continue" and "Accept: */*" by itself; keep requests plain.
  list_ = curl_slist_append(list_, "Expect:");
}

CurlHeaders::~CurlHeaders() {
  for (curl_slist* item = list_; item != nullptr; item = item->next) {
    volatile char* p = item->data;
    for (size_t i = 0; p[i] != '\0'; ++i) p[i] = 0;
  }
  curl_slist_free_all(list_);
}

void ConfigureCommon(CURL* easy, const SourcesOptions& options) {
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  // A transfer that moves less than 1 byte/s for stall_timeout_s is aborted.
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout_s));
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  // Proxies from the environment apply, except to loopback (local S3 stand-ins, tests).
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
}

bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  return std::make_pair(std::move(name), std::string(value));
}

}  // namespace sluice::sources
