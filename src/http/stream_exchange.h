// StreamExchange: one HTTP request handed to a StreamHandler with its header
// parsed and its body still on the socket, for handlers that must not hold a
// whole body in memory (the gateway forwarding to a cluster).
//
// The server hands a request to ServerOptions::stream_handler when no route
// of its Router serves the method and path (Router::Find has no handler).
// It runs the handler on the server's stream pool (blocking I/O on the
// client's socket, so a slow client or cluster holds one of those threads,
// never an I/O thread or a handler pool). The Content-Length of the request
// is checked against max_content_length and reserved against the in-flight
// budget before the handler runs, as for any request; a chunked body is
// reserved as it is read.
//
// Protocol: ReadBody until it returns 0 (or not at all), then WriteHead
// once, WriteBody any number of times, Finish once. Respond() replaces all
// three for a small whole answer (errors). A handler that returns without
// finishing a started response has the connection closed (the client sees
// a truncated answer, as from a proxy whose upstream broke). If the handler
// returns without answering at all, the server answers 500.
//
// Errors: every call returns kUnavailable once the client is gone or timed
// out (body_timeout for reads, write_timeout for writes, per call), or
// kTooLarge / kTooManyRequests when a chunked body outgrows
// max_content_length or the in-flight budget; after an error the handler
// should return (the connection is closed).
//
// Thread-safety: an exchange is used by the one thread running the handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"
#include "util/result.h"

namespace sluice::http {

// How the body of a streamed response is framed on the wire.
enum class BodyFraming : uint8_t {
  kNone,     // no body (HEAD, 204, 304): headers are written as given
  kLength,   // Content-Length: the given length, then exactly that many bytes
  kChunked,  // Transfer-Encoding: chunked (close-delimited to an HTTP/1.0 client)
};

class StreamExchange {
 public:
  virtual ~StreamExchange() = default;

  // Method, target, path, query parameters and headers; body empty.
  virtual const Request& head() const = 0;
  // The client's address ("127.0.0.1", "::1") and the scheme it used ("http").
  virtual std::string remote_address() const = 0;
  virtual std::string_view scheme() const = 0;
  // Content-Length of the request body; nullopt when chunked or absent.
  virtual std::optional<uint64_t> content_length() const = 0;
  // True when the request has a body (Content-Length > 0 or chunked).
  virtual bool has_body() const = 0;

  // Reads up to `size` bytes of the body (chunked framing removed, content
  // encoding kept); 0 at its end. Answers "100 Continue" first when asked.
  virtual util::Result<size_t> ReadBody(char* buf, size_t size) = 0;

  // Writes the status line and `headers` (hop-by-hop headers are the
  // caller's to remove; the server adds Content-Length or Transfer-Encoding
  // for `framing`, and Connection: close when it will close).
  virtual util::Status WriteHead(int status, const Request::Pairs& headers, BodyFraming framing,
                                 uint64_t content_length = 0) = 0;
  virtual util::Status WriteBody(std::string_view data) = 0;
  // Ends the body (the last chunk). After Finish the connection is reused
  // when both sides allow it.
  virtual util::Status Finish() = 0;
  // A whole small answer, instead of WriteHead/WriteBody/Finish.
  virtual util::Status Respond(const Response& response) = 0;
  // True once WriteHead or Respond was called.
  virtual bool answered() const = 0;
};

// Runs on the stream pool; must be thread-safe and must not throw.
using StreamHandler = std::function<void(StreamExchange&)>;

}  // namespace sluice::http
