#include "security/password.h"

#include <gtest/gtest.h>

#include "security/security.h"

namespace sluice::security {
namespace {

TEST(PasswordTest, HashIsArgon2idAndVerifiesOnlyItsPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordTest, SaltMakesEveryHashDifferent) {
  auto a = HashPassword("same");
  auto b = HashPassword("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, "same"));
}

TEST(PasswordTest, EmptyPasswordIsRefused) {
  auto h = HashPassword("");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), util::Code::kInvalidArgument);
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  for (const char* bad : {"", "plain", "$argon2id$", "$argon2id$v=19$m=1,t=1,p=1$$",
                          "$2y$10$abcdefghijklmnopqrstuv"}) {
    EXPECT_FALSE(VerifyPassword(bad, "plain")) << bad;
  }
  EXPECT_FALSE(VerifyPassword(std::string(1000, 'x'), "x"));
}

User Alice(const std::string& hash) { return User{"alice", hash, {"readall"}}; }

TEST(SecurityTest, BasicAuthOutcomesAndFailureDelayPerAddress) {
  auto hash = HashPassword("s3cret");
  ASSERT_TRUE(hash.ok());
  SecurityConfig config;
  config.roles = BuiltinRoles();
  config.users["alice"] = Alice(*hash);
  Security sec(config);
  // "alice:s3cret"
  AuthOutcome ok = sec.Authenticate("Basic YWxpY2U6czNjcmV0", "10.0.0.1");
  ASSERT_EQ(ok.kind, AuthOutcome::Kind::kOk);
  EXPECT_EQ(ok.user->name, "alice");
  // Cached: the same again is still right.
  EXPECT_EQ(sec.Authenticate("basic YWxpY2U6czNjcmV0", "10.0.0.1").kind, AuthOutcome::Kind::kOk);
  EXPECT_EQ(sec.Authenticate("", "10.0.0.1").kind, AuthOutcome::Kind::kMissing);
  // "alice:wrong": delays double per failure from one address.
  AuthOutcome f1 = sec.Authenticate("Basic YWxpY2U6d3Jvbmc=", "10.0.0.2");
  AuthOutcome f2 = sec.Authenticate("Basic YWxpY2U6d3Jvbmc=", "10.0.0.2");
  ASSERT_EQ(f1.kind, AuthOutcome::Kind::kFailed);
  EXPECT_EQ(f1.attempted_user, "alice");
  EXPECT_EQ(f2.delay, 2 * f1.delay);
  EXPECT_GT(f1.delay.count(), 0);
  // Another address is not penalised by the first one's failures.
  AuthOutcome other = sec.Authenticate("Basic YWxpY2U6d3Jvbmc=", "10.0.0.3");
  EXPECT_EQ(other.delay, f1.delay);
  // A success resets the count.
  EXPECT_EQ(sec.Authenticate("Basic YWxpY2U6czNjcmV0", "10.0.0.2").kind, AuthOutcome::Kind::kOk);
  EXPECT_EQ(sec.Authenticate("Basic YWxpY2U6d3Jvbmc=", "10.0.0.2").delay, f1.delay);
  // Unknown user, garbage, other schemes: failures.
  EXPECT_EQ(sec.Authenticate("Basic Ym9iOnMzY3JldA==", "x").kind, AuthOutcome::Kind::kFailed);
  EXPECT_EQ(sec.Authenticate("Basic !!!", "x").kind, AuthOutcome::Kind::kFailed);
  EXPECT_EQ(sec.Authenticate("Bearer abc", "x").kind, AuthOutcome::Kind::kFailed);
}

}  // namespace
}  // namespace sluice::security
