#include "sources/http_relay.h"

#include <curl/curl.h>

#include <charconv>

#include "sources/curl_common.h"

namespace sluice::sources {
namespace {

struct RelayState {
  const RelayCall* call = nullptr;
  long status = 0;
  HeaderList headers;
  bool head_delivered = false;
  util::Status error;  // a callback's failure
};

size_t OnRead(char* buf, size_t size, size_t nitems, void* user) {
  auto* state = static_cast<RelayState*>(user);
  auto n = state->call->read_body(buf, size * nitems);
  if (!n.ok()) {
    state->error = n.status();
    return CURL_READFUNC_ABORT;
  }
  return *n;
}

// Lines of every header block arrive here; only the final (non-1xx) block is
// delivered, on its blank line.
size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<RelayState*>(user);
  const size_t total = size * nmemb;
  std::string_view line(data, total);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    state->headers.clear();
    state->status = 0;
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      std::string_view code = line.substr(sp + 1, 3);
      std::from_chars(code.data(), code.data() + code.size(), state->status);
    }
    return total;
  }
  if (line.empty()) {
    if (state->status >= 200 && !state->head_delivered) {
      state->head_delivered = true;
      util::Status s = state->call->on_head(state->status, state->headers);
      if (!s.ok()) {
        state->error = std::move(s);
        return 0;
      }
    }
    return total;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return total;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  state->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return total;
}

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* state = static_cast<RelayState*>(user);
  util::Status s = state->call->on_body(std::string_view(data, size * nmemb));
  if (!s.ok()) {
    state->error = std::move(s);
    return 0;
  }
  return size * nmemb;
}

bool HasHeader(const HeaderList& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (name.size() != lower_name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i]))) == lower_name[i];
    }
    if (same) return true;
  }
  return false;
}

}  // namespace

struct HttpRelay::Handle {
  CurlEasy easy;
};

HttpRelay::HttpRelay(HttpSessionOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

HttpRelay::~HttpRelay() = default;

util::Status HttpRelay::Perform(const RelayCall& call, bool* head_delivered) {
  if (head_delivered != nullptr) *head_delivered = false;
  CURL* easy = handle_->easy.get();
  if (easy == nullptr) return util::Internal("curl_easy_init failed");
  curl_easy_reset(easy);  // keeps the connection cache
  SourcesOptions common;
  common.connect_timeout_ms = options_.connect_timeout_ms;
  common.stall_timeout_s = options_.stall_timeout_s;
  ConfigureCommon(easy, common);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 0L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, nullptr);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 64L << 10);  // answers in 64 KiB pieces
  if (!options_.ca_cert_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_cert_file.c_str());
  }
  if (options_.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  HeaderList headers = call.headers;
  if (call.has_body && !call.body_length) headers.emplace_back("Transfer-Encoding", "chunked");
  CurlHeaders list(headers);  // ends with "Expect:" (no 100-continue round trip)
  // "Name:" stops curl adding a header of its own; appended to the same list.
  if (!HasHeader(call.headers, "accept")) curl_slist_append(list.get(), "Accept:");
  RelayState state;
  state.call = &call;
  curl_easy_setopt(easy, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  if (call.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (call.has_body) {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(easy, CURLOPT_READDATA, &state);
    if (call.body_length) {
      curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*call.body_length));
    }
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  } else if (call.method == "POST" || call.method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t{0});
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    if (call.method != "GET") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  CURLcode rc = curl_easy_perform(easy);
  if (head_delivered != nullptr) *head_delivered = state.head_delivered;
  if (!state.error.ok()) return state.error;
  if (rc != CURLE_OK) {
    std::string reason = RedactUrl(call.url) + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return util::Status(util::Code::kTimeout, "timeout_exception", reason);
    if (IsRetryableCurlError(rc)) return util::Unavailable(std::move(reason));
    return util::InvalidArgument(std::move(reason));
  }
  if (!state.head_delivered) {
    return util::Unavailable(RedactUrl(call.url) + ": the response ended without a status");
  }
  return util::Status::Ok();
}

}  // namespace sluice::sources
