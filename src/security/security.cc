#include "security/security.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "security/password.h"

namespace sluice::security {
namespace {

constexpr size_t kMaxVerified = 4096;
constexpr size_t kMaxTrackedAddresses = 65536;
constexpr std::chrono::milliseconds kFirstDelay{100};
constexpr std::chrono::milliseconds kMaxDelay{10'000};
constexpr std::chrono::minutes kFailureMemory{15};
constexpr std::chrono::seconds kAuditWindow{10};
constexpr uint32_t kAuditLinesPerWindow = 20;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "Basic base64(user:password)" → (user, password); nullopt when not basic
// or undecodable.
std::optional<std::pair<std::string, std::string>> BasicCredentials(std::string_view header) {
  header = Trim(header);
  if (header.size() < 6) return std::nullopt;
  std::string scheme(header.substr(0, 6));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "basic ") return std::nullopt;
  std::string_view b64 = Trim(header.substr(6));
  std::string decoded(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  decoded.resize(len);
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::pair<std::string, std::string> out{decoded.substr(0, colon), decoded.substr(colon + 1)};
  sodium_memzero(decoded.data(), decoded.size());
  return out;
}

// Log-safe: printable ASCII only, bounded.
std::string Clean(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c > ' ' && c < 127 && c != '"') ? c : '?';
  return out;
}

}  // namespace

Security::Security(SecurityConfig config, std::string users_file)
    : users_file_(std::move(users_file)),
      snapshot_(std::make_shared<const Snapshot>(std::move(config))) {
  if (sodium_init() < 0) spdlog::error("event=libsodium_init_failed");
  randombytes_buf(cache_key_, sizeof(cache_key_));
}

util::Result<std::unique_ptr<Security>> Security::Open(std::string users_file) {
  auto config = LoadUsersFile(users_file);
  if (!config.ok()) return config.status();
  return std::make_unique<Security>(std::move(config).value(), std::move(users_file));
}

util::Status Security::Reload() {
  if (users_file_.empty()) return util::Status::Ok();
  auto config = LoadUsersFile(users_file_);
  if (!config.ok()) return config.status();
  auto snap = std::make_shared<const Snapshot>(std::move(config).value());
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(snap);
  verified_.clear();
  return util::Status::Ok();
}

std::shared_ptr<const Snapshot> Security::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

std::string Security::CacheKey(std::string_view name, std::string_view password,
                               std::string_view hash) const {
  crypto_generichash_state st;
  crypto_generichash_init(&st, cache_key_, sizeof(cache_key_), 32);
  const unsigned char zero = 0;
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(password.data()),
                            password.size());
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(hash.data()), hash.size());
  std::string out(32, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

AuthOutcome Security::Authenticate(std::string_view authorization,
                                   std::string_view remote_address) {
  AuthOutcome out;
  out.snapshot = snapshot();
  if (Trim(authorization).empty()) return out;  // kMissing
  out.kind = AuthOutcome::Kind::kFailed;
  auto creds = BasicCredentials(authorization);
  if (creds) out.attempted_user = creds->first;
  const User* user = nullptr;
  if (creds) {
    auto it = out.snapshot->config.users.find(creds->first);
    if (it != out.snapshot->config.users.end()) user = &it->second;
  }
  bool ok = false;
  if (user != nullptr) {
    std::string key = CacheKey(creds->first, creds->second, user->hash);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto hit = verified_.find(key);
      ok = hit != verified_.end() && hit->second == user->name;
    }
    if (!ok && VerifyPassword(user->hash, creds->second)) {
      ok = true;
      std::lock_guard<std::mutex> lock(mu_);
      if (verified_.size() >= kMaxVerified) verified_.clear();
      verified_[key] = user->name;
    }
  } else if (creds) {
    // Unknown users cost as much as known ones: no timing oracle for names.
    static const std::string dummy = [] {
      auto h = HashPassword("sluice-dummy-password");
      return h.ok() ? *h : std::string();
    }();
    (void)VerifyPassword(dummy, creds->second);
  }
  if (creds) sodium_memzero(creds->second.data(), creds->second.size());
  if (ok) {
    RecordSuccess(remote_address);
    out.kind = AuthOutcome::Kind::kOk;
    out.user = *user;
    return out;
  }
  out.delay = RecordFailure(remote_address);
  return out;
}

std::chrono::milliseconds Security::RecordFailure(std::string_view remote) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = Clock::now();
  if (failures_.size() >= kMaxTrackedAddresses) {
    std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.last > kFailureMemory; });
    if (failures_.size() >= kMaxTrackedAddresses) failures_.clear();
  }
  Failures& f = failures_[std::string(remote)];
  if (f.count > 0 && now - f.last > kFailureMemory) f.count = 0;
  f.count = std::min<uint32_t>(f.count + 1, 32);
  f.last = now;
  auto delay = kFirstDelay * (int64_t{1} << std::min<uint32_t>(f.count - 1, 20));
  return std::min<std::chrono::milliseconds>(delay, kMaxDelay);
}

void Security::RecordSuccess(std::string_view remote) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failures_.empty()) failures_.erase(std::string(remote));
}

void Security::Audit(std::string_view event, std::string_view user, std::string_view remote,
                     std::string_view detail) {
  std::lock_guard<std::mutex> lock(audit_mu_);
  Clock::time_point now = Clock::now();
  if (now - audit_window_ >= kAuditWindow) {
    audit_window_ = now;
    audit_lines_ = 0;
  }
  if (audit_lines_ >= kAuditLinesPerWindow) {
    ++audit_suppressed_;
    return;
  }
  ++audit_lines_;
  spdlog::warn("audit event={} user={} remote={} {} suppressed={}", event, Clean(user),
               Clean(remote), detail, audit_suppressed_);
  audit_suppressed_ = 0;
}

}  // namespace sluice::security
