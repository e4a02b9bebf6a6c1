#include "security/password.h"

#include <sodium.h>

#include <mutex>
#include <string>

namespace sluice::security {
namespace {

bool EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

util::Result<std::string> HashPassword(std::string_view password) {
  if (password.empty()) return util::InvalidArgument("the password must not be empty");
  if (!EnsureSodium()) return util::Internal("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return util::Internal("out of memory while hashing the password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (!EnsureSodium()) return false;
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  if (!encoded.starts_with("$argon2id$") && !encoded.starts_with("$argon2i$")) return false;
  std::string z(encoded);  // NUL-terminated for libsodium
  return crypto_pwhash_str_verify(z.c_str(), password.data(), password.size()) == 0;
}

}  // namespace sluice::security
