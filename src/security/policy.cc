#include "security/policy.h"

#include <algorithm>

#include "util/wildcard.h"

namespace sluice::security {
namespace {

std::vector<std::string_view> SplitCommas(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

std::string Substitute(std::string_view pattern, std::string_view user) {
  static constexpr std::string_view kVar = "${user.name}";
  std::string out(pattern);
  for (size_t pos = out.find(kVar); pos != std::string::npos; pos = out.find(kVar, pos)) {
    out.replace(pos, kVar.size(), user);
    pos += user.size();
  }
  return out;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return util::WildcardMatch(pattern, text, {.question_mark = true});
}

std::vector<std::string> ExpandPermission(std::string_view permission) {
  if (permission == "read") {
    return {"indices:data/read/*",        "indices:admin/get", "indices:admin/mappings/get",
            "indices:admin/aliases/get",  "indices:monitor/*", "cluster:monitor/*",
            "indices:admin/resolve/index"};
  }
  if (permission == "write") {
    return {"indices:data/write/*", "indices:admin/refresh*", "indices:admin/flush*"};
  }
  if (permission == "manage") return {"indices:admin/*", "indices:monitor/*"};
  if (permission == "batch_ingest") {
    return {"cluster:admin/opensearch/ml/batch_ingestion", "indices:data/write/batch_ingest"};
  }
  if (permission == "tasks") return {"cluster:admin/opensearch/ml/tasks/*"};
  if (permission == "all") return {"*"};
  return {std::string(permission)};
}

std::map<std::string, Role, std::less<>> BuiltinRoles() {
  std::map<std::string, Role, std::less<>> roles;
  const SourceGrants any{{"*"}, {"*"}, {"*"}};
  roles["all_access"] = Role{"all_access", {"*"}, {{{"*"}, {"*"}}}, any};
  roles["readall"] = Role{"readall", {"read"}, {{{"*"}, {"read"}}}, {}};
  roles["ingest"] = Role{"ingest",
                         {"read", "batch_ingest", "tasks"},
                         {{{"*"}, {"read", "write", "batch_ingest", "indices:admin/create"}}},
                         any};
  return roles;
}

bool Evaluator::ClusterAllowed(const User& user, std::string_view action) const {
  for (const std::string& role_name : user.roles) {
    auto it = roles_.find(role_name);
    if (it == roles_.end()) continue;
    for (const std::string& perm : it->second.cluster_permissions) {
      for (const std::string& pattern : ExpandPermission(perm)) {
        if (GlobMatch(pattern, action)) return true;
      }
    }
  }
  return false;
}

bool Evaluator::IndexAllowed(const User& user, std::string_view action,
                             std::string_view index) const {
  for (const std::string& role_name : user.roles) {
    auto it = roles_.find(role_name);
    if (it == roles_.end()) continue;
    for (const IndexPermission& perm : it->second.index_permissions) {
      bool index_ok = std::any_of(
          perm.index_patterns.begin(), perm.index_patterns.end(),
          [&](const std::string& p) { return GlobMatch(Substitute(p, user.name), index); });
      if (!index_ok) continue;
      for (const std::string& a : perm.allowed_actions) {
        for (const std::string& pattern : ExpandPermission(a)) {
          if (GlobMatch(pattern, action)) return true;
        }
      }
    }
  }
  return false;
}

std::optional<std::string> Evaluator::DeniedIndex(const User& user, std::string_view action,
                                                  const std::vector<std::string>& expressions,
                                                  const IndexView& view) const {
  std::vector<std::string_view> parts;
  for (const std::string& e : expressions) {
    for (std::string_view p : SplitCommas(e)) parts.push_back(p);
  }
  if (parts.empty()) {
    if (ClusterAllowed(user, action)) return std::nullopt;
    return std::string();
  }
  for (std::string_view part : parts) {
    if (part.front() == '-') continue;  // an exclusion only narrows the request
    if (part == "_all" || HasWildcard(part)) {
      std::string_view pattern = part == "_all" ? std::string_view("*") : part;
      bool any = false;
      for (const std::string& index : view.indices) {
        if (!GlobMatch(pattern, index)) continue;
        any = true;
        if (!IndexAllowed(user, action, index)) return index;
      }
      // Nothing matches yet: the pattern itself must be covered.
      if (!any && !IndexAllowed(user, action, pattern)) return std::string(part);
      continue;
    }
    if (IndexAllowed(user, action, part)) continue;
    auto alias = view.aliases.find(part);
    if (alias == view.aliases.end() || alias->second.empty()) return std::string(part);
    for (const std::string& index : alias->second) {
      if (!IndexAllowed(user, action, index)) return std::string(part);
    }
  }
  return std::nullopt;
}

bool Evaluator::IsSuperuser(const User& user) const {
  for (const std::string& role_name : user.roles) {
    auto it = roles_.find(role_name);
    if (it == roles_.end()) continue;
    const auto& perms = it->second.cluster_permissions;
    if (std::find(perms.begin(), perms.end(), "*") != perms.end() ||
        std::find(perms.begin(), perms.end(), "all") != perms.end()) {
      return true;
    }
  }
  return false;
}

SourceGrants Evaluator::Sources(const User& user) const {
  SourceGrants out;
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const std::string& s : from) {
      if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
    }
  };
  for (const std::string& role_name : user.roles) {
    auto it = roles_.find(role_name);
    if (it == roles_.end()) continue;
    add(out.file_roots, it->second.sources.file_roots);
    add(out.s3, it->second.sources.s3);
    add(out.http_hosts, it->second.sources.http_hosts);
  }
  return out;
}

}  // namespace sluice::security
