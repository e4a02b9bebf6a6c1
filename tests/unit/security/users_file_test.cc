#include "security/users_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "security/password.h"

namespace sluice::security {
namespace {

constexpr const char* kHash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA";

TEST(UsersFileTest, ParsesUsersAndRoles) {
  std::string json = std::string(R"({"users":{"alice":{"hash":")") + kHash +
                     R"(","roles":["team_a","readall"]}},
    "roles":{"team_a":{"cluster_permissions":["tasks"],
      "index_permissions":[{"index_patterns":["team-a-*"],"allowed_actions":["read"]}],
      "ingest_sources":{"file_roots":["/srv/a"],"s3":["b/p"],"http_hosts":["*.a.example"]}}}})";
  auto config = ParseUsersFile(json, "u.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->users.contains("alice"));
  EXPECT_EQ(config->users["alice"].roles.size(), 2u);
  const Role& r = config->roles["team_a"];
  EXPECT_EQ(r.index_permissions[0].index_patterns[0], "team-a-*");
  EXPECT_EQ(r.sources.http_hosts[0], "*.a.example");
  EXPECT_TRUE(config->roles.contains("all_access"));
}

TEST(UsersFileTest, ErrorsNameTheKey) {
  struct Case {
    std::string json;
    std::string expect;
  };
  const std::string h = kHash;
  for (const Case& c : std::vector<Case>{
           {"[]", "must be an object"},
           {"{", "invalid JSON"},
           {R"({"users":{"a":{"hash":"plain","roles":[]}}})", "users.a.hash"},
           {R"({"users":{"a":{"hash":")" + h + R"(","roles":["ghost"]}}})", "unknown role [ghost]"},
           {R"({"users":{"a":{"hash":")" + h + R"(","rolez":[]}}})", "users.a.rolez"},
           {R"({"users":{},"roles":{"r":{"index_permissions":[{"allowed_actions":["read"]}]}}})",
            "needs index_patterns"},
           {R"({"users":{"a:b":{"hash":")" + h + R"("}}})", "without ':'"},
       }) {
    auto config = ParseUsersFile(c.json, "u.json");
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_NE(config.status().reason().find(c.expect), std::string::npos)
        << config.status().reason();
    EXPECT_NE(config.status().reason().find("u.json"), std::string::npos);
  }
}

TEST(UsersFileTest, AddUserCreatesAndUpdatesTheFile) {
  char dir[] = "/tmp/sluice-users-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/users.json";
  auto hash = HashPassword("pw1");
  ASSERT_TRUE(hash.ok());
  ASSERT_TRUE(AddUserToFile(path, "alice", {"readall"}, *hash).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(AddUserToFile(path, "bob", {"ingest"}, *hash).ok());
  ASSERT_TRUE(AddUserToFile(path, "alice", {"all_access"}, *hash).ok());
  auto config = LoadUsersFile(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->users.size(), 2u);
  EXPECT_EQ(config->users["alice"].roles, std::vector<std::string>{"all_access"});
  EXPECT_TRUE(VerifyPassword(config->users["bob"].hash, "pw1"));
  // An unknown role is refused and the file stays as it was.
  EXPECT_FALSE(AddUserToFile(path, "carol", {"ghost"}, *hash).ok());
  EXPECT_FALSE(LoadUsersFile(path)->users.contains("carol"));
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace sluice::security
