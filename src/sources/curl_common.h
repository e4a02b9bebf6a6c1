// Internal to sources/: RAII wrappers and shared settings for libcurl handles.
// Included only by .cc files of this module (it pulls in curl/curl.h).
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sources/sigv4_signer.h"
#include "sources/sources_options.h"

namespace sluice::sources {

class CurlEasy {
 public:
  CurlEasy() : handle_(curl_easy_init()) {}
  ~CurlEasy() {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  explicit operator bool() const { return handle_ != nullptr; }
  CURL* get() const { return handle_; }

 private:
  CURL* handle_;
};

// A curl_slist of "Name: value" lines. The list holds secrets (auth headers):
// it is wiped before being freed.
class CurlHeaders {
 public:
  explicit CurlHeaders(const HeaderList& headers);
  ~CurlHeaders();
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Timeouts, no signals, http/https only, no automatic redirects, no proxy for
// loopback, a fresh connection per attempt.
void ConfigureCommon(CURL* easy, const SourcesOptions& options);

// Transport failures that a new attempt may cure (resets, timeouts, refused).
bool IsRetryableCurlError(CURLcode code);

// "Name: value\r\n" → {lowercase name, trimmed value}; nullopt for other lines.
std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line);

}  // namespace sluice::sources
