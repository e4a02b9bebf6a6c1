#include "security/users_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#pragma GCC diagnostic pop

namespace sluice::security {
namespace {

using Value = rapidjson::Value;

util::Status Bad(std::string_view file, const std::string& what) {
  return util::InvalidArgument("users file [" + std::string(file) + "]: " + what);
}

util::Status StringList(const Value& v, std::string_view file, const std::string& key,
                        std::vector<std::string>* out) {
  if (!v.IsArray()) return Bad(file, "[" + key + "] must be an array of strings");
  for (const auto& item : v.GetArray()) {
    if (!item.IsString() || item.GetStringLength() == 0) {
      return Bad(file, "[" + key + "] must be an array of non-empty strings");
    }
    out->emplace_back(item.GetString(), item.GetStringLength());
  }
  return util::Status::Ok();
}

util::Status ParseRole(const std::string& name, const Value& v, std::string_view file, Role* role) {
  const std::string at = "roles." + name;
  if (!v.IsObject()) return Bad(file, "[" + at + "] must be an object");
  role->name = name;
  for (const auto& m : v.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key == "cluster_permissions") {
      if (auto s = StringList(m.value, file, at + "." + key, &role->cluster_permissions); !s.ok())
        return s;
    } else if (key == "index_permissions") {
      if (!m.value.IsArray()) return Bad(file, "[" + at + ".index_permissions] must be an array");
      size_t i = 0;
      for (const auto& p : m.value.GetArray()) {
        const std::string pat = at + ".index_permissions[" + std::to_string(i++) + "]";
        if (!p.IsObject()) return Bad(file, "[" + pat + "] must be an object");
        IndexPermission perm;
        for (const auto& f : p.GetObject()) {
          std::string fk(f.name.GetString(), f.name.GetStringLength());
          std::vector<std::string>* dst = fk == "index_patterns"    ? &perm.index_patterns
                                          : fk == "allowed_actions" ? &perm.allowed_actions
                                                                    : nullptr;
          if (dst == nullptr) return Bad(file, "unknown key [" + pat + "." + fk + "]");
          if (auto s = StringList(f.value, file, pat + "." + fk, dst); !s.ok()) return s;
        }
        if (perm.index_patterns.empty()) return Bad(file, "[" + pat + "] needs index_patterns");
        role->index_permissions.push_back(std::move(perm));
      }
    } else if (key == "ingest_sources") {
      if (!m.value.IsObject()) return Bad(file, "[" + at + ".ingest_sources] must be an object");
      for (const auto& f : m.value.GetObject()) {
        std::string fk(f.name.GetString(), f.name.GetStringLength());
        std::vector<std::string>* dst = fk == "file_roots"   ? &role->sources.file_roots
                                        : fk == "s3"         ? &role->sources.s3
                                        : fk == "http_hosts" ? &role->sources.http_hosts
                                                             : nullptr;
        if (dst == nullptr) return Bad(file, "unknown key [" + at + ".ingest_sources." + fk + "]");
        if (auto s = StringList(f.value, file, at + ".ingest_sources." + fk, dst); !s.ok())
          return s;
      }
    } else if (key != "description") {
      return Bad(file, "unknown key [" + at + "." + key + "]");
    }
  }
  return util::Status::Ok();
}

util::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return util::InvalidArgument("cannot read users file [" + path + "]: " + strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

util::Result<SecurityConfig> ParseUsersFile(std::string_view json, std::string_view file) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Bad(file, std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                         ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Bad(file, "the document must be an object");
  SecurityConfig config;
  config.roles = BuiltinRoles();
  if (auto it = doc.FindMember("roles"); it != doc.MemberEnd()) {
    if (!it->value.IsObject()) return Bad(file, "[roles] must be an object");
    for (const auto& m : it->value.GetObject()) {
      std::string name(m.name.GetString(), m.name.GetStringLength());
      Role role;
      if (auto s = ParseRole(name, m.value, file, &role); !s.ok()) return s;
      config.roles[name] = std::move(role);
    }
  }
  for (const auto& m : doc.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key != "users" && key != "roles") return Bad(file, "unknown key [" + key + "]");
  }
  auto users = doc.FindMember("users");
  if (users == doc.MemberEnd() || !users->value.IsObject()) {
    return Bad(file, "[users] must be an object");
  }
  for (const auto& m : users->value.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    const std::string at = "users." + name;
    if (name.empty() || name.find(':') != std::string::npos) {
      return Bad(file, "[" + at + "]: a user name must be non-empty and without ':'");
    }
    if (!m.value.IsObject()) return Bad(file, "[" + at + "] must be an object");
    User user;
    user.name = name;
    for (const auto& f : m.value.GetObject()) {
      std::string fk(f.name.GetString(), f.name.GetStringLength());
      if (fk == "hash") {
        if (!f.value.IsString()) return Bad(file, "[" + at + ".hash] must be a string");
        user.hash.assign(f.value.GetString(), f.value.GetStringLength());
      } else if (fk == "roles") {
        if (auto s = StringList(f.value, file, at + ".roles", &user.roles); !s.ok()) return s;
      } else if (fk != "description") {
        return Bad(file, "unknown key [" + at + "." + fk + "]");
      }
    }
    if (!user.hash.starts_with("$argon2id$") && !user.hash.starts_with("$argon2i$")) {
      return Bad(file, "[" + at + ".hash] must be an argon2id hash (sluice users add)");
    }
    for (const std::string& r : user.roles) {
      if (!config.roles.contains(r)) return Bad(file, "[" + at + "] has unknown role [" + r + "]");
    }
    config.users[name] = std::move(user);
  }
  return config;
}

util::Result<SecurityConfig> LoadUsersFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseUsersFile(*text, path);
}

util::Status AddUserToFile(const std::string& path, std::string_view name,
                           const std::vector<std::string>& roles, std::string_view hash) {
  rapidjson::Document doc;
  std::string text = "{\"users\":{}}";
  if (access(path.c_str(), F_OK) == 0) {
    auto existing = ReadFile(path);
    if (!existing.ok()) return existing.status();
    text = std::move(existing).value();
    // Refuse to rewrite a file that would not load.
    if (auto parsed = ParseUsersFile(text, path); !parsed.ok()) return parsed.status();
  }
  doc.Parse(text.data(), text.size());
  auto& a = doc.GetAllocator();
  if (!doc.HasMember("users")) doc.AddMember("users", Value(rapidjson::kObjectType), a);
  Value& users = doc["users"];
  Value entry(rapidjson::kObjectType);
  entry.AddMember("hash", Value(hash.data(), static_cast<rapidjson::SizeType>(hash.size()), a), a);
  Value role_list(rapidjson::kArrayType);
  for (const std::string& r : roles) role_list.PushBack(Value(r.c_str(), a), a);
  entry.AddMember("roles", role_list, a);
  users.RemoveMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a));
  users.AddMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a), entry, a);
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buf);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  std::string out(buf.GetString(), buf.GetSize());
  out += "\n";
  if (auto parsed = ParseUsersFile(out, path); !parsed.ok()) return parsed.status();
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return util::IoError("cannot write [" + tmp + "]: " + strerror(errno));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(tmp.c_str());
      return util::IoError("cannot write [" + tmp + "]: " + strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  bool synced = fsync(fd) == 0;
  if (close(fd) != 0 || !synced) {
    unlink(tmp.c_str());
    return util::IoError("cannot write [" + tmp + "]: " + strerror(errno));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return util::IoError("cannot replace [" + path + "]: " + strerror(errno));
  }
  return util::Status::Ok();
}

}  // namespace sluice::security
