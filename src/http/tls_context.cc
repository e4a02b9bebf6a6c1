#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

namespace sluice::http {
namespace ssl = boost::asio::ssl;

namespace {

std::string OpenSslError(const boost::system::error_code& ec) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    return buf;
  }
  return ec.message();
}

util::Status FileError(std::string_view what, const std::string& file, std::string reason) {
  return util::InvalidArgument("cannot use " + std::string(what) + " [" + file + "]: " + reason);
}

}  // namespace

util::Result<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ERR_clear_error();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (ctx->use_certificate_chain_file(options.cert_file, ec); ec) {
    return FileError("TLS certificate", options.cert_file, OpenSslError(ec));
  }
  if (ctx->use_private_key_file(options.key_file, ssl::context::pem, ec); ec) {
    return FileError("TLS key", options.key_file, OpenSslError(ec));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return FileError("TLS key", options.key_file,
                     "it does not match the certificate [" + options.cert_file + "]");
  }
  if (!options.client_ca_file.empty()) {
    if (ctx->load_verify_file(options.client_ca_file, ec); ec) {
      return FileError("TLS client CA", options.client_ca_file, OpenSslError(ec));
    }
    // The CA names the server sends in its CertificateRequest.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  ERR_clear_error();
  return ctx;
}

util::Status TlsContexts::Reload() {
  auto ctx = MakeTlsContext(options_);
  if (!ctx.ok()) return ctx.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(ctx).value();
  return util::Status::Ok();
}

std::shared_ptr<ssl::context> TlsContexts::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace sluice::http
