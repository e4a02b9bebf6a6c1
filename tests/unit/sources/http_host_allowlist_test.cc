#include "sources/http_host_allowlist.h"

#include <gtest/gtest.h>

namespace sluice::sources {
namespace {

bool Allowed(const std::string& url, std::vector<std::string> patterns) {
  SourcesOptions options;
  options.allowed_http_hosts = std::move(patterns);
  return CheckHttpSourceUrl(url, options).ok();
}

TEST(HttpHostAllowlistTest, NothingIsAllowedByDefault) {
  util::Status status = CheckHttpSourceUrl("https://example.com/a", SourcesOptions{});
  EXPECT_EQ(status.code(), util::Code::kForbidden);
  EXPECT_NE(status.reason().find("--allow-source-host"), std::string::npos);
}

TEST(HttpHostAllowlistTest, HostPatternAllowsEveryPortAndIgnoresCase) {
  EXPECT_TRUE(Allowed("https://Data.Example.com/a", {"data.example.com"}));
  EXPECT_TRUE(Allowed("http://data.example.com:8080/a", {"DATA.example.com"}));
  EXPECT_FALSE(Allowed("https://other.example.com/a", {"data.example.com"}));
}

TEST(HttpHostAllowlistTest, HostPortPatternAllowsOnlyThatPort) {
  EXPECT_TRUE(Allowed("http://127.0.0.1:8080/a", {"127.0.0.1:8080"}));
  EXPECT_FALSE(Allowed("http://127.0.0.1:8081/a", {"127.0.0.1:8080"}));
  EXPECT_TRUE(Allowed("https://h.example/a", {"h.example:443"}));
}

TEST(HttpHostAllowlistTest, WildcardAllowsSubdomainsButNotApexOrLookalikes) {
  EXPECT_TRUE(Allowed("https://a.example.com/x", {"*.example.com"}));
  EXPECT_TRUE(Allowed("https://a.b.example.com/x", {"*.example.com"}));
  EXPECT_FALSE(Allowed("https://example.com/x", {"*.example.com"}));
  EXPECT_FALSE(Allowed("https://evilexample.com/x", {"*.example.com"}));
}

TEST(HttpHostAllowlistTest, Ipv6PatternsUseBrackets) {
  EXPECT_TRUE(Allowed("http://[::1]:9000/x", {"[::1]:9000"}));
  EXPECT_FALSE(Allowed("http://[::1]:9001/x", {"[::1]:9000"}));
}

TEST(HttpHostAllowlistTest, RejectsNonHttpSchemesAndUserInfoTricks) {
  SourcesOptions options;
  options.allowed_http_hosts = {"good.example"};
  EXPECT_EQ(CheckHttpSourceUrl("file:///etc/passwd", options).code(), util::Code::kInvalidArgument);
  EXPECT_EQ(CheckHttpSourceUrl("ftp://good.example/x", options).code(),
            util::Code::kInvalidArgument);
  EXPECT_EQ(CheckHttpSourceUrl("http://good.example@evil.example/x", options).code(),
            util::Code::kForbidden);
}

}  // namespace
}  // namespace sluice::sources
