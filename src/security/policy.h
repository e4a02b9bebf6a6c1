// The authorization model, after the OpenSearch security plugin's roles.yml:
// users hold roles; a role grants cluster permissions and, per list of index
// patterns, index permissions. A permission is an action group of sluice
// (below) or an action name pattern ("indices:data/read/*").
//
// Action groups (sluice's; OpenSearch names in parentheses where they differ):
//   read          indices:data/read/*, indices:admin/get, indices:admin/mappings/get,
//                 indices:admin/aliases/get, indices:monitor/*, and at cluster level
//                 cluster:monitor/* (OpenSearch: read + cluster_composite_ops_ro)
//   write         indices:data/write/*, indices:admin/refresh*, indices:admin/flush*
//   manage        indices:admin/*, indices:monitor/* (OpenSearch: manage / indices_all)
//   batch_ingest  cluster:admin/opensearch/ml/batch_ingestion and, on the target index,
//                 indices:data/write/batch_ingest (ml-commons has no index-level action)
//   tasks         cluster:admin/opensearch/ml/tasks/* (ml-commons task get/search/cancel/delete)
//   all           * (OpenSearch: unlimited / indices_all)
// An action whose name starts with "cluster:" is a cluster action; any other
// is an index action, checked against every index the request names (an
// index action that names no index, as a scroll, is checked as a cluster
// action, as the plugin does for its composite operations).
//
// Index patterns: '*' and '?' wildcards, "${user.name}" replaced by the user
// name. Requested expressions: comma-separated names, wildcards, "_all";
// aliases resolve to their indices (a permission on the alias name itself
// also grants it); "-name" exclusions are ignored (they only narrow).
//
// Built-in roles: all_access (everything), readall (read on every index and
// cluster monitoring), ingest (cluster monitoring, batch_ingest and tasks;
// read, write, batch_ingest and index creation on every index; every
// ingestion source the server allows). OpenSearch has no "ingest" role; its
// nearest are ml_full_access and a write role.
//
// Ingestion sources: a role may name the file roots, S3 buckets or
// "bucket/prefix"es and http host patterns its users' batch ingestions may
// read; "*" is whatever the server allows. A user's grants are the union of
// their roles'; all_access has "*" for all three.
//
// Thread-safety: immutable values; Evaluator's methods are const and thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::security {

struct IndexPermission {
  std::vector<std::string> index_patterns;
  std::vector<std::string> allowed_actions;
};

struct SourceGrants {
  std::vector<std::string> file_roots;  // directories; "*" = any --file-root
  std::vector<std::string> s3;          // "bucket" or "bucket/prefix"; "*" = any
  std::vector<std::string> http_hosts;  // --allow-source-host patterns; "*" = any allowed
};

struct Role {
  std::string name;
  std::vector<std::string> cluster_permissions;
  std::vector<IndexPermission> index_permissions;
  SourceGrants sources;
};

struct User {
  std::string name;
  std::string hash;                // argon2id (security/password.h)
  std::vector<std::string> roles;  // names of built-in or configured roles
};

// The roles every configuration has (all_access, readall, ingest).
std::map<std::string, Role, std::less<>> BuiltinRoles();

// Expands an action group to its action patterns; anything else is itself.
std::vector<std::string> ExpandPermission(std::string_view permission);

// Glob match with '*' (any run) and '?' (one character), case-sensitive.
bool GlobMatch(std::string_view pattern, std::string_view text);

// What the evaluator knows of the indexes: their names and the aliases.
struct IndexView {
  std::vector<std::string> indices;
  std::map<std::string, std::vector<std::string>, std::less<>> aliases;  // alias → indices
};

class Evaluator {
 public:
  // `roles`: built-in and configured roles by name; a user's unknown role
  // names grant nothing.
  explicit Evaluator(std::map<std::string, Role, std::less<>> roles) : roles_(std::move(roles)) {}

  bool ClusterAllowed(const User& user, std::string_view action) const;
  // The first requested index (or expression) `action` is not allowed on, or
  // nullopt when all are. `expressions` are as given in the request (each may
  // hold commas); empty means none (then the action is checked as a cluster
  // action and "" is returned when it is refused).
  std::optional<std::string> DeniedIndex(const User& user, std::string_view action,
                                         const std::vector<std::string>& expressions,
                                         const IndexView& view) const;
  // Whether a user holds "*" as a cluster permission (sees every task).
  bool IsSuperuser(const User& user) const;
  SourceGrants Sources(const User& user) const;

 private:
  bool IndexAllowed(const User& user, std::string_view action, std::string_view index) const;

  std::map<std::string, Role, std::less<>> roles_;
};

}  // namespace sluice::security
