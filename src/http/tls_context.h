// TlsContexts: the server's current TLS context, replaced whole on reload.
// Private to http/ (it pulls in Asio's SSL headers and OpenSSL).
//
// Contract: Load() builds a TLS 1.2+ server context from PEM files (the
// certificate chain, its key, which must match it, and optionally the CA whose
// certificates clients must present). Current() is what a new connection
// handshakes with; a connection keeps the context it started with (shared
// ownership), so Reload() never disturbs open connections. A failed Reload()
// keeps the previous context.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wtsan"  // Asio's fences, in TSan builds
#endif
#include <boost/asio/ssl/context.hpp>
#pragma GCC diagnostic pop
#include <memory>
#include <mutex>

#include "http/server.h"
#include "util/result.h"

namespace sluice::http {

// A TLS 1.2+ server context from `options`, or kInvalidArgument naming the
// file that could not be used and why.
util::Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsOptions& options);

class TlsContexts {
 public:
  explicit TlsContexts(TlsOptions options) : options_(std::move(options)) {}

  util::Status Reload();
  std::shared_ptr<boost::asio::ssl::context> Current() const;

 private:
  const TlsOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mu_
};

}  // namespace sluice::http
