#include "sources/aws_credentials.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

namespace sluice::sources {
namespace {

class AwsCredentialChainTest : public ::testing::Test {
 protected:
  AwsCredentialChainTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("aws-chain-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    env_.vars["HOME"] = dir_.string();
    env_.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  ~AwsCredentialChainTest() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  util::Result<AwsCredentials> Resolve() { return AwsCredentialChain(env_, {}).Resolve(); }

  std::filesystem::path dir_;
  AwsEnvironment env_;
};

TEST_F(AwsCredentialChainTest, EnvironmentComesFirst) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_.vars["AWS_SESSION_TOKEN"] = "env-token";
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] =
      Write("c", "[default]\naws_access_key_id=AKIAFILE\naws_secret_access_key=s\n");
  auto c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(c->keys.access_key, "AKIAENV");
  EXPECT_EQ(c->keys.session_token.Reveal(), "env-token");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST_F(AwsCredentialChainTest, HalfAnEnvironmentKeyIsAnError) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), util::Code::kUnauthorized);
}

TEST_F(AwsCredentialChainTest, ProfilesFromTheCredentialsAndConfigFiles) {
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] =
      Write("credentials",
            "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n"
            "[batch]\naws_access_key_id = AKIABATCH\naws_secret_access_key = b-secret\n");
  env_.vars["AWS_CONFIG_FILE"] =
      Write("config",
            "[profile cfg]\nregion = eu-west-1\naws_access_key_id = AKIACFG\n"
            "aws_secret_access_key = c-secret\naws_session_token = c-token\n");
  EXPECT_EQ(Resolve()->keys.access_key, "AKIADEFAULT");
  env_.vars["AWS_PROFILE"] = "batch";
  EXPECT_EQ(Resolve()->keys.access_key, "AKIABATCH");
  env_.vars["AWS_PROFILE"] = "cfg";
  auto cfg = Resolve();
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->source, "profile cfg");
  EXPECT_EQ(cfg->keys.session_token.Reveal(), "c-token");
  env_.vars["AWS_PROFILE"] = "missing";
  auto missing = Resolve();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().reason().find("AWS_PROFILE [missing]"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, DefaultFilesUnderHome) {
  std::filesystem::create_directories(dir_ / ".aws");
  Write(".aws/credentials", "[default]\naws_access_key_id=AKIAHOME\naws_secret_access_key=h\n");
  EXPECT_EQ(Resolve()->keys.access_key, "AKIAHOME");
}

TEST_F(AwsCredentialChainTest, AnUnreadableWebIdentityTokenIsAnError) {
  env_.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = (dir_ / "no-such-token").string();
  env_.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/r";
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().reason().find("cannot be read"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, ContainerEndpointMustBeLoopbackOrHttps) {
  env_.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds";
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().reason().find("must be https"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, NothingConfiguredSaysWhereItLooked) {
  auto c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().reason().find("no AWS credentials"), std::string::npos);
}

TEST_F(AwsCredentialChainTest, GetCachesLongTermKeys) {
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] =
      Write("c", "[default]\naws_access_key_id=AKIAONE\naws_secret_access_key=s\n");
  AwsCredentialChain chain(env_, {});
  EXPECT_EQ(chain.Get()->access_key, "AKIAONE");
  Write("c", "[default]\naws_access_key_id=AKIATWO\naws_secret_access_key=s\n");
  EXPECT_EQ(chain.Get()->access_key, "AKIAONE") << "long-term keys are not read again";
}

}  // namespace
}  // namespace sluice::sources
