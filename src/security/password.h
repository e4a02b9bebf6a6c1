// Password hashes for the users file: argon2id in libsodium's encoded form
// ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"), which carries its own salt
// and cost parameters, so hashes made with other costs still verify.
//
// Thread-safety: pure functions, thread-safe (libsodium is initialised once).
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::security {

// argon2id with libsodium's "interactive" costs (64 MiB, 2 passes). Fails
// (kInternal) only when memory for the hash cannot be had; an empty password
// is kInvalidArgument.
util::Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `encoded`; false for any malformed or
// unsupported hash (never throws, never crashes on bad input).
bool VerifyPassword(std::string_view encoded, std::string_view password);

}  // namespace sluice::security
