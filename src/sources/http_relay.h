// HttpRelay: one keep-alive HTTP/1.1 connection to one service for exchanges
// whose request and response bodies both stream through callbacks, never
// held whole — what the gateway forwards to a cluster with.
//
// The request goes as given: method, URL (path and query kept byte for byte,
// no dot-segment squashing), headers verbatim; curl adds Host (from the URL)
// and the body's framing (Content-Length when `body_length` is known, chunked
// otherwise) and nothing else (no Accept, User-Agent or Expect of its own).
// The response is handed over as received: the final (non-1xx) status and
// headers once (names as the server spelled them, hop-by-hop ones included:
// filtering is the caller's), then the body with any Content-Encoding kept
// and the chunked framing removed.
//
// Contract: one thread at a time per relay (pool them). One attempt, no
// retries: a streamed body cannot be sent again. Errors: connect failures and
// dropped connections are kUnavailable, connect or stall timeouts kTimeout,
// TLS verification and bad URLs kInvalidArgument; a callback's error stops
// the exchange and is returned as is. Messages name the redacted URL only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sources/http_session.h"
#include "util/result.h"

namespace sluice::sources {

struct RelayCall {
  std::string method = "GET";
  std::string url;
  HeaderList headers;  // sent verbatim; may hold secrets
  bool has_body = false;
  std::optional<uint64_t> body_length;  // with has_body: Content-Length; nullopt = chunked
  // Fills up to `size` bytes of the request body; 0 at its end.
  std::function<util::Result<size_t>(char* buf, size_t size)> read_body;
  // The final status and headers, before any body byte.
  std::function<util::Status(long status, const HeaderList& headers)> on_head;
  std::function<util::Status(std::string_view data)> on_body;
};

class HttpRelay {
 public:
  // basic_user in `options` is ignored: authentication is the caller's headers.
  explicit HttpRelay(HttpSessionOptions options);
  ~HttpRelay();
  HttpRelay(const HttpRelay&) = delete;
  HttpRelay& operator=(const HttpRelay&) = delete;

  // One exchange; OK once the whole response went through the callbacks.
  // `head_delivered` (may be null) tells whether on_head was called, so a
  // caller knows whether it may still answer an error of its own.
  util::Status Perform(const RelayCall& call, bool* head_delivered = nullptr);

 private:
  struct Handle;
  HttpSessionOptions options_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace sluice::sources
