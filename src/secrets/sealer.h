// Sealer: credentials encrypted at rest with AES-256-GCM (OpenSSL EVP) under a
// key that lives outside the data directory.
//
// A sealed value is text: "sluice-sealed-v1:" + base64(key id[8] | nonce[12] |
// ciphertext | tag[16]). The key id (derived from the key by HMAC-SHA-256, it
// reveals nothing of it) says which key sealed it; each seal draws a fresh
// random nonce. The `context` given to Seal is authenticated, not stored:
// Unseal needs the same context (e.g. "task-credential:<task id>"), so a sealed
// value copied onto another record does not open.
//
// Key rotation: Seal always uses the current key; Unseal accepts values sealed
// with the current or the previous key. Errors are values: a tampered or
// truncated value, a wrong context or an unknown key is an
// illegal_argument_exception Status whose reason names the cause, never the
// plaintext or a key.
//
// Key files hold 32 random bytes as base64 (44 characters, one line). Open()
// creates the current key file (mode 0600, O_EXCL, fsynced) when it does not
// exist, and refuses a key file inside the data directory (a backup of the
// data would then hold the key beside what it protects).
//
// Thread-safety: immutable after construction; Seal/Unseal may be called
// from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/secret.h"

namespace sluice::secrets {

struct SealerOptions {
  // The current key; created when missing. Required.
  std::string key_file;
  // An earlier key, accepted for Unseal only. "" (default) = none.
  std::string previous_key_file;
  // Key files may not lie under this directory. "" (default) = no check.
  std::string data_dir;
};

inline constexpr size_t kKeyBytes = 32;

class Sealer {
 public:
  // Reads (creating the current one if missing) the key files.
  static util::Result<std::unique_ptr<Sealer>> Open(const SealerOptions& options);
  // From raw 32-byte keys (tests, embedded use).
  static util::Result<std::unique_ptr<Sealer>> FromKeys(util::Secret current,
                                                        std::optional<util::Secret> previous);
  ~Sealer();

  // Encrypts `plaintext` under the current key, bound to `context`.
  util::Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // Decrypts a value made by Seal with the current or the previous key and the same context.
  util::Result<util::Secret> Unseal(std::string_view sealed, std::string_view context) const;

  // True when `text` has the sealed-value prefix (not that it opens).
  static bool LooksSealed(std::string_view text);

  struct Key;  // opaque: the key bytes and their id

 private:
  Sealer(std::unique_ptr<Key> current, std::unique_ptr<Key> previous);
  std::unique_ptr<Key> current_;
  std::unique_ptr<Key> previous_;  // may be null
};

// Writes a new random key file (mode 0600; fails if it exists). For tests and
// `sluice` tooling; Open() uses it for a missing current key.
util::Status CreateKeyFile(const std::string& path);

}  // namespace sluice::secrets
