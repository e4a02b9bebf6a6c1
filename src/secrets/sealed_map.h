// A map of named secrets (a credential object: "access_key", "secret_key",
// "openAI_key", ...) sealed as one value with a Sealer.
//
// The plaintext is a JSON object of strings that exists only inside these
// functions and is wiped before they return. Errors are the Sealer's, or an
// illegal_argument_exception when an opened value is not such an object.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "secrets/sealer.h"
#include "util/result.h"
#include "util/secret.h"

namespace sluice::secrets {

using SecretMap = std::map<std::string, util::Secret>;

util::Result<std::string> SealMap(const Sealer& sealer, const SecretMap& values,
                                  std::string_view context);
util::Result<SecretMap> UnsealMap(const Sealer& sealer, std::string_view sealed,
                                  std::string_view context);

}  // namespace sluice::secrets
