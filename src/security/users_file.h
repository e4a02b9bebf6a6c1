// The users file (--users-file): JSON, after the security plugin's
// internal_users.yml and roles.yml in one document:
//
//   {
//     "users": {
//       "alice": {"hash": "$argon2id$v=19$...", "roles": ["readall"]}
//     },
//     "roles": {
//       "team_a": {
//         "cluster_permissions": ["read", "batch_ingest", "tasks"],
//         "index_permissions": [
//           {"index_patterns": ["team-a-*"], "allowed_actions": ["read", "write"]}
//         ],
//         "ingest_sources": {"file_roots": ["/srv/import/team-a"],
//                            "s3": ["team-a-bucket/exports"], "http_hosts": ["*.a.example"]}
//       }
//     }
//   }
//
// Roles named like a built-in one (security/policy.h) replace it. Every
// error is kInvalidArgument naming the file and the offending key.
//
// Thread-safety: pure functions; AddUserToFile must not race with itself on
// the same file (the CLI runs it once).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "security/policy.h"
#include "util/result.h"

namespace sluice::security {

struct SecurityConfig {
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, Role, std::less<>> roles;  // built-in ones included
};

util::Result<SecurityConfig> ParseUsersFile(std::string_view json, std::string_view file_name);
util::Result<SecurityConfig> LoadUsersFile(const std::string& path);

// Sets user `name`'s hash and roles in the file (created, mode 0600, when
// missing), keeping every other user and role; written to a temporary file
// and renamed over the old one. The roles must exist in the result.
util::Status AddUserToFile(const std::string& path, std::string_view name,
                           const std::vector<std::string>& roles, std::string_view hash);

}  // namespace sluice::security
