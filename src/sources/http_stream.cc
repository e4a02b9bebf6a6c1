#include "sources/http_stream.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <random>
#include <thread>

#include "sources/curl_common.h"

namespace sluice::sources {
namespace {

constexpr size_t kMaxErrorBody = 64 << 10;

// "bytes START-END/TOTAL" → START (and TOTAL when known).
bool ParseContentRange(std::string_view value, uint64_t* start, std::optional<uint64_t>* total) {
  if (!value.starts_with("bytes ")) return false;
  value.remove_prefix(6);
  char* end = nullptr;
  std::string text(value);
  *start = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '-') return false;
  size_t slash = text.find('/');
  if (slash != std::string::npos && slash + 1 < text.size() && text[slash + 1] != '*') {
    *total = std::strtoull(text.c_str() + slash + 1, nullptr, 10);
  }
  return true;
}

}  // namespace

class HttpStream::Impl {
  using Clock = std::chrono::steady_clock;

 public:
  Impl(HttpStreamConfig config, const SourcesOptions& options, uint64_t offset)
      : config_(std::move(config)),
        options_(options),
        position_(offset),
        received_(offset),
        rng_(std::random_device{}()) {}

  ~Impl() { StopTransfer(); }

  util::Status WaitForResponse() {
    while (error_.ok() && !eof_ && !(status_checked_ && !body_is_error_)) Step();
    return error_;
  }

  util::Result<size_t> Read(char* buf, size_t size) {
    while (error_.ok() && buffer_pos_ == buffer_.size() && !eof_) Step();
    if (buffer_pos_ < buffer_.size()) {
      size_t n = std::min(size, buffer_.size() - buffer_pos_);
      std::memcpy(buf, buffer_.data() + buffer_pos_, n);
      buffer_pos_ += n;
      position_ += n;
      if (buffer_pos_ == buffer_.size()) {
        buffer_.clear();
        buffer_pos_ = 0;
      }
      return n;
    }
    if (!error_.ok()) return error_;
    return size_t{0};
  }

  uint64_t position() const { return position_; }
  std::optional<uint64_t> object_size() const { return object_size_; }

 private:
  // Advances the transfer by one step: starts an attempt, resumes a paused
  // transfer, or waits for socket activity and lets curl run.
  void Step() {
    if (easy_ == nullptr) {
      util::Status started = StartAttempt();
      if (!started.ok()) error_ = std::move(started);
      return;
    }
    if (paused_) {
      paused_ = false;
      last_activity_ = Clock::now();           // time spent paused is the reader's, not a stall
      curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver data right here
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg == CURLMSG_DONE) {
        OnDone(msg->data.result);
        return;
      }
    }
    if (running > 0 && buffer_pos_ == buffer_.size() && !paused_) {
      // curl's own low-speed check averages over ~5 s; this watchdog is exact.
      if (Clock::now() - last_activity_ > std::chrono::seconds(options_.stall_timeout_s)) {
        StopTransfer();
        if (made_progress_) failures_ = 0;
        Retry("no data for " + std::to_string(options_.stall_timeout_s) + " s");
        return;
      }
      curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
    }
  }

  util::Status StartAttempt() {
    if (retry_delay_ms_ > 0) {
      bool cancelled =
          util::SleepUnlessCancelled(config_.cancel, std::chrono::milliseconds(retry_delay_ms_));
      retry_delay_ms_ = 0;
      if (cancelled)
        return util::Cancelled("the task was cancelled while retrying " + config_.display);
    }
    HttpRequest request;
    if (!redirect_url_.empty()) {
      request.url = redirect_url_;
    } else {
      SLUICE_ASSIGN_OR_RETURN(request, config_.build_request());
    }
    if (received_ > 0) {
      request.headers.emplace_back("Range", "bytes=" + std::to_string(received_) + "-");
    }
    status_ = 0;
    status_checked_ = false;
    body_is_error_ = false;
    error_body_.clear();
    skip_ = 0;
    range_start_.reset();
    made_progress_ = false;

    multi_ = curl_multi_init();
    easy_ = curl_easy_init();
    if (multi_ == nullptr || easy_ == nullptr) return util::Internal("curl init failed");
    headers_ = std::make_unique<CurlHeaders>(request.headers);
    ConfigureCommon(easy_, options_);
    curl_easy_setopt(easy_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_->get());
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Impl::WriteThunk);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Impl::HeaderThunk);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_multi_add_handle(multi_, easy_);
    last_activity_ = Clock::now();
    return util::Status::Ok();
  }

  void StopTransfer() {
    if (easy_ != nullptr) {
      curl_multi_remove_handle(multi_, easy_);
      curl_easy_cleanup(easy_);
      easy_ = nullptr;
    }
    if (multi_ != nullptr) {
      curl_multi_cleanup(multi_);
      multi_ = nullptr;
    }
    headers_.reset();
    paused_ = false;
  }

  static size_t WriteThunk(char* data, size_t size, size_t nmemb, void* user) {
    return static_cast<Impl*>(user)->OnBody(data, size * nmemb);
  }
  static size_t HeaderThunk(char* data, size_t size, size_t nmemb, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->last_activity_ = Clock::now();
    std::string_view line(data, size * nmemb);
    if (line.starts_with("HTTP/")) {
      self->range_start_.reset();
    } else if (auto header = ParseHeaderLine(line)) {
      uint64_t start = 0;
      std::optional<uint64_t> total;
      if (header->first == "content-range" && ParseContentRange(header->second, &start, &total)) {
        self->range_start_ = start;
        if (total) self->object_size_ = total;
      } else if (header->first == "content-length" && self->received_ == 0) {
        self->content_length_ = std::strtoull(header->second.c_str(), nullptr, 10);
      }
    }
    return size * nmemb;
  }

  void CheckStatus() {
    status_checked_ = true;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status_);
    if (status_ == 200) {
      if (!object_size_ && content_length_) object_size_ = content_length_;
      skip_ = received_;  // the server ignored Range: drop what we already have
    } else if (status_ == 206) {
      if (!range_start_ || *range_start_ != received_) {
        error_ = util::Unavailable(config_.display + ": server answered a range request for byte " +
                                   std::to_string(received_) + " with a different range");
      }
    } else {
      body_is_error_ = true;
    }
  }

  size_t OnBody(char* data, size_t n) {
    last_activity_ = Clock::now();
    if (!status_checked_) CheckStatus();
    if (!error_.ok()) return 0;  // aborts the transfer
    if (body_is_error_) {
      error_body_.append(data,
                         std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, error_body_.size())));
      return n;
    }
    if (buffer_.size() - buffer_pos_ >= options_.chunk_size) {
      paused_ = true;
      return CURL_WRITEFUNC_PAUSE;  // curl delivers these bytes again after unpausing
    }
    size_t skip = std::min<uint64_t>(skip_, n);
    skip_ -= skip;
    buffer_.append(data + skip, n - skip);
    received_ += n - skip;
    if (n > skip) made_progress_ = true;
    return n;
  }

  void OnDone(CURLcode rc) {
    if (rc == CURLE_OK && !status_checked_) CheckStatus();
    redirect_target_.clear();
    char* location = nullptr;
    if (curl_easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
        location != nullptr) {
      redirect_target_ = location;  // absolute, resolved against the request URL
    }
    StopTransfer();
    if (!error_.ok()) return;
    if (made_progress_) failures_ = 0;
    if (rc != CURLE_OK) {
      if (status_checked_ && body_is_error_ && !IsRetryableHttpStatus(status_)) {
        error_ = config_.map_error(status_, error_body_);
      } else if (IsRetryableCurlError(rc)) {
        Retry(curl_easy_strerror(rc));
      } else {
        error_ = util::Unavailable(config_.display + ": " + curl_easy_strerror(rc));
      }
      return;
    }
    if (status_ == 200 || status_ == 206 || (status_ == 416 && received_ > 0)) {
      eof_ = true;  // 416 after progress: nothing is left past the last byte we have
    } else if (status_ >= 300 && status_ < 400 && config_.check_redirect) {
      FollowRedirect();
    } else if (IsRetryableHttpStatus(status_)) {
      Retry("HTTP " + std::to_string(status_));
    } else {
      error_ = config_.map_error(status_, error_body_);
    }
  }

  void FollowRedirect() {
    if (redirect_target_.empty()) {
      error_ = config_.map_error(status_, error_body_);
      return;
    }
    if (++redirects_ > options_.max_redirects) {
      error_ = util::Unavailable(config_.display + ": more than " +
                                 std::to_string(options_.max_redirects) + " redirects");
      return;
    }
    util::Status allowed = config_.check_redirect(redirect_target_);
    if (!allowed.ok()) {
      error_ = std::move(allowed);
      return;
    }
    redirect_url_ = redirect_target_;
  }

  void Retry(const std::string& reason) {
    if (++failures_ > options_.max_retries) {
      error_ = util::Unavailable(config_.display + ": giving up after " +
                                 std::to_string(options_.max_retries) + " retries: " + reason);
      return;
    }
    retry_delay_ms_ = BackoffMs(failures_, options_, rng_);
    spdlog::warn("source_retry object={} received_bytes={} attempt={} delay_ms={} reason=\"{}\"",
                 config_.display, received_, failures_, retry_delay_ms_, reason);
  }

  HttpStreamConfig config_;
  const SourcesOptions options_;
  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  std::unique_ptr<CurlHeaders> headers_;

  std::string buffer_;  // received, not yet consumed
  size_t buffer_pos_ = 0;
  uint64_t position_;  // raw offset of the next byte handed to the reader
  uint64_t received_;  // raw offset of the next byte to receive
  std::optional<uint64_t> object_size_;
  std::optional<uint64_t> content_length_;

  // Per attempt.
  long status_ = 0;
  bool status_checked_ = false;
  bool body_is_error_ = false;
  std::string error_body_;
  uint64_t skip_ = 0;
  std::optional<uint64_t> range_start_;
  bool made_progress_ = false;
  bool paused_ = false;
  Clock::time_point last_activity_;  // last byte or header received, or unpause

  std::string redirect_target_;  // Location of the last 3xx, resolved
  std::string redirect_url_;     // where attempts go after an allowed redirect
  int redirects_ = 0;
  int failures_ = 0;
  int retry_delay_ms_ = 0;
  bool eof_ = false;
  util::Status error_;
  std::minstd_rand rng_;
};

util::Result<std::unique_ptr<HttpStream>> HttpStream::Open(HttpStreamConfig config,
                                                           const SourcesOptions& options,
                                                           uint64_t offset) {
  auto impl = std::make_unique<Impl>(std::move(config), options, offset);
  SLUICE_RETURN_IF_ERROR(impl->WaitForResponse());
  return std::unique_ptr<HttpStream>(new HttpStream(std::move(impl)));
}

HttpStream::HttpStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpStream::~HttpStream() = default;
util::Result<size_t> HttpStream::Read(char* buf, size_t size) { return impl_->Read(buf, size); }
uint64_t HttpStream::raw_bytes_read() const { return impl_->position(); }
std::optional<uint64_t> HttpStream::object_size() const { return impl_->object_size(); }

}  // namespace sluice::sources
