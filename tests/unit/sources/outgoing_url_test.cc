#include "sources/outgoing_url.h"

#include <gtest/gtest.h>

namespace sluice::sources {
namespace {

OutgoingUrlSpec Spec(std::string host, std::vector<std::string> segments = {}) {
  OutgoingUrlSpec spec;
  spec.scheme = "https";
  spec.host = std::move(host);
  spec.segments = std::move(segments);
  return spec;
}

TEST(OutgoingUrlTest, BuildsUrlHostHeaderPathAndQuery) {
  OutgoingUrlSpec spec = Spec("bkt.s3.us-east-1.amazonaws.com", {"out", "a b.jsonl"});
  spec.query = {{"list-type", "2"}, {"prefix", "a/b c"}};
  auto url = BuildOutgoingUrl(spec);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->url,
            "https://bkt.s3.us-east-1.amazonaws.com/out/a%20b.jsonl?list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(url->host_header, "bkt.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(url->path, "/out/a%20b.jsonl");
  EXPECT_EQ(url->query, "list-type=2&prefix=a%2Fb%20c");
}

TEST(OutgoingUrlTest, WritesExplicitPortsAndBracketsIpv6) {
  OutgoingUrlSpec spec = Spec("::1", {"x"});
  spec.scheme = "http";
  spec.port = 9200;
  spec.base_path = "/proxy/os/";
  auto url = BuildOutgoingUrl(spec);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->url, "http://[::1]:9200/proxy/os/x");
  EXPECT_EQ(url->host_header, "[::1]:9200");
  EXPECT_EQ(BuildOutgoingUrl(Spec("h"))->url, "https://h/");
}

TEST(OutgoingUrlTest, RefusesHostsThatCouldRedirectTheRequest) {
  for (const char* host : {"", "x@127.0.0.2", "127.0.0.2:19403", "a/b", "a?b", "a#b", "a b",
                           "a%2eb", "a..b", ".a", "[::1]", "::1%eth0", "a\r\nb", "a\\b"}) {
    auto url = BuildOutgoingUrl(Spec(host));
    EXPECT_FALSE(url.ok()) << host << " → " << url->url;
  }
  EXPECT_FALSE(BuildOutgoingUrl(Spec(std::string(254, 'a'))).ok());
  EXPECT_FALSE(BuildOutgoingUrl(Spec(std::string(64, 'a') + ".com")).ok());
}

TEST(OutgoingUrlTest, RefusesDotSegmentsAndBadBasePaths) {
  EXPECT_FALSE(BuildOutgoingUrl(Spec("h", {"a", ".."})).ok());
  EXPECT_FALSE(BuildOutgoingUrl(Spec("h", {"."})).ok());
  auto odd = BuildOutgoingUrl(Spec("h", {"...", "..a", "a/../b"}));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->path, "/.../..a/a%2F..%2Fb");  // a '/' inside a segment is encoded
  for (const char* base : {"x", "/a/../b", "/a/./b", "/a b", "/a?b", "/a#b", "/.."}) {
    OutgoingUrlSpec spec = Spec("h", {"k"});
    spec.base_path = base;
    EXPECT_FALSE(BuildOutgoingUrl(spec).ok()) << base;
  }
}

TEST(OutgoingUrlTest, RefusesOtherSchemesAndPorts) {
  OutgoingUrlSpec spec = Spec("h");
  spec.scheme = "file";
  EXPECT_FALSE(BuildOutgoingUrl(spec).ok());
  spec.scheme = "http";
  spec.port = 65536;
  EXPECT_FALSE(BuildOutgoingUrl(spec).ok());
  spec.port = -1;
  EXPECT_FALSE(BuildOutgoingUrl(spec).ok());
}

TEST(OutgoingUrlTest, ValidatesAwsRegions) {
  EXPECT_TRUE(IsValidAwsRegion("us-east-1"));
  EXPECT_TRUE(IsValidAwsRegion("cn-northwest-1"));
  for (const char* bad : {"", "US-EAST-1", "us_east_1", "x@127.0.0.2:19403/?", "a.b", "a b"}) {
    EXPECT_FALSE(IsValidAwsRegion(bad)) << bad;
  }
}

TEST(OutgoingUrlTest, SplitsSegmentsAndDecodesQueries) {
  EXPECT_EQ(SplitPathSegments(""), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitPathSegments("a//b/"), (std::vector<std::string>{"a", "", "b", ""}));
  auto query = DecodeQuery("a=1&&b=%2F&c");
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query[1], (std::pair<std::string, std::string>{"b", "/"}));
  EXPECT_EQ(query[2], (std::pair<std::string, std::string>{"c", ""}));
}

}  // namespace
}  // namespace sluice::sources
