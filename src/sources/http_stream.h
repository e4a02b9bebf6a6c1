// HttpStream: a ByteSource over one HTTP(S) GET that survives dropped
// connections, stalls and transient errors.
//
// Design: a pull-based reader over the curl multi interface, driven from the
// caller's thread (no background thread). Read() pumps curl until data is
// buffered; the write callback pauses the transfer (CURL_WRITEFUNC_PAUSE) once
// `chunk_size` bytes wait in the buffer, so memory stays bounded however slow
// the consumer is. On a dropped connection, a stall, 408/429 or 5xx, the stream
// sleeps with exponential backoff and re-requests with "Range: bytes=N-" where
// N is the first byte not yet received: bytes are never skipped or duplicated
// (a server that ignores Range and answers 200 has the prefix discarded). The
// retry budget restarts whenever an attempt makes progress.
//
// Redirects are never followed automatically: with `check_redirect` set each
// Location is checked by it (max `max_redirects` hops); without it a 3xx is an
// error response. Final error responses go through `map_error`.
//
// Not thread-safe; one reader. Errors are sticky.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sources/byte_source.h"
#include "sources/http_client.h"

namespace sluice::sources {

struct HttpStreamConfig {
  RequestBuilder build_request;
  // Maps a final non-success response (status, body prefix) to an error Status.
  std::function<util::Status(long status, const std::string& body)> map_error;
  // Checks a redirect target URL; empty = redirects are errors.
  std::function<util::Status(const std::string& url)> check_redirect;
  // The object as messages may show it (no secrets).
  std::string display;
  // Ends a retry back-off early with kCancelled. Not owned; may be null.
  const util::CancelSignal* cancel = nullptr;
};

class HttpStream : public ByteSource {
 public:
  // Starts the GET at raw `offset` and waits until the response status is known,
  // so that "not found" or "unauthorized" are reported here, not on first Read().
  static util::Result<std::unique_ptr<HttpStream>> Open(HttpStreamConfig config,
                                                        const SourcesOptions& options,
                                                        uint64_t offset);
  ~HttpStream() override;

  util::Result<size_t> Read(char* buf, size_t size) override;
  uint64_t raw_bytes_read() const override;

  // Total object size when the server told it (Content-Range total or Content-Length).
  std::optional<uint64_t> object_size() const;

 private:
  class Impl;
  explicit HttpStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::sources
