// Secret: a credential string (secret key, session token, API key, password).
//
// Secrets are radioactive: they live in memory only. A Secret never prints its
// value: streaming or formatting it gives "***". Code that must send the value
// (a signer, an Authorization header) calls Reveal() explicitly, so every use
// is easy to find with grep. The memory is wiped on destruction.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace sluice::util {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      Wipe();
      value_ = std::move(other.value_);
      other.Wipe();
    }
    return *this;
  }
  ~Secret() { Wipe(); }

  bool empty() const { return value_.empty(); }
  // The plain value. Use only where the value leaves the process to the party
  // it is meant for (signing, auth headers); never log or persist it.
  const std::string& Reveal() const { return value_; }

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "***"; }
  bool operator==(const Secret& other) const { return value_ == other.value_; }

 private:
  void Wipe() {
    volatile char* p = value_.data();
    for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
    value_.clear();
  }
  std::string value_;
};

}  // namespace sluice::util
