// Security: authentication (HTTP basic against the users file) and the
// current authorization snapshot, for the REST layer.
//
// Authenticate() verifies "Authorization: Basic ..." against the users'
// argon2id hashes. Verified credentials are remembered (a keyed BLAKE2b digest
// of name, password and stored hash, never the password) so that a client
// sending them on every request pays argon2id once. Failed attempts are
// counted per source address: each failure asks the caller to delay its
// answer 100 ms doubling per consecutive failure up to 10 s (the caller
// delays without holding a thread); a success or 15 minutes without failures
// resets the count.
//
// Audit(): one warning line per authentication failure or refused action,
// "audit event=... user=... remote=... <detail>", at most 20 lines per 10 s
// (the lines dropped are counted in the next). Never passwords or headers.
//
// Reload() reads the users file again (SIGHUP); a failure keeps the old
// configuration. Snapshot() is what a request is judged by.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "security/policy.h"
#include "security/users_file.h"
#include "util/result.h"

namespace sluice::security {

struct Snapshot {
  SecurityConfig config;
  Evaluator evaluator;
  explicit Snapshot(SecurityConfig c) : config(std::move(c)), evaluator(config.roles) {}
};

struct AuthOutcome {
  enum class Kind { kOk, kMissing, kFailed };
  Kind kind = Kind::kMissing;
  std::optional<User> user;            // kOk
  std::string attempted_user;          // kFailed: the name given ("" when unreadable)
  std::chrono::milliseconds delay{0};  // kFailed: how long to hold the answer
  std::shared_ptr<const Snapshot> snapshot;
};

class Security {
 public:
  static util::Result<std::unique_ptr<Security>> Open(std::string users_file);
  // From a configuration in memory (tests).
  explicit Security(SecurityConfig config, std::string users_file = {});

  util::Status Reload();
  std::shared_ptr<const Snapshot> snapshot() const;
  const std::string& users_file() const { return users_file_; }

  AuthOutcome Authenticate(std::string_view authorization, std::string_view remote_address);

  void Audit(std::string_view event, std::string_view user, std::string_view remote,
             std::string_view detail);

 private:
  using Clock = std::chrono::steady_clock;
  struct Failures {
    uint32_t count = 0;
    Clock::time_point last;
  };
  std::string CacheKey(std::string_view name, std::string_view password,
                       std::string_view hash) const;
  std::chrono::milliseconds RecordFailure(std::string_view remote);
  void RecordSuccess(std::string_view remote);

  const std::string users_file_;
  unsigned char cache_key_[32];

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;               // guarded by mu_
  std::unordered_map<std::string, std::string> verified_;  // digest → user; guarded by mu_
  std::unordered_map<std::string, Failures> failures_;     // by address; guarded by mu_

  std::mutex audit_mu_;
  Clock::time_point audit_window_;  // guarded by audit_mu_
  uint32_t audit_lines_ = 0;        // guarded by audit_mu_
  uint64_t audit_suppressed_ = 0;   // guarded by audit_mu_
};

}  // namespace sluice::security
