#include "http/request.h"

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

TEST(PercentDecodeTest, DecodesEscapesInBothCases) {
  EXPECT_EQ(PercentDecode("a%20b%2fc%2Fd", false), "a b/c/d");
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyInQueryMode) {
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

TEST(PercentDecodeTest, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
}

TEST(ParseQueryStringTest, SplitsDecodesAndKeepsKeysWithoutValue) {
  Request::Pairs q = ParseQueryString("size=3&q=a+b%26c&pretty&&=x&empty=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>("size", "3")));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>("q", "a b&c")));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>("pretty", "")));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>("empty", "")));
}

TEST(RequestTest, MakeSplitsPathAndQuery) {
  Request r = Request::Make("GET", "/idx/_search?size=3&pretty");
  EXPECT_EQ(r.path, "/idx/_search");
  EXPECT_EQ(r.target, "/idx/_search?size=3&pretty");
  EXPECT_EQ(r.Query("size"), "3");
  EXPECT_TRUE(r.HasQuery("pretty"));
  EXPECT_EQ(r.Query("pretty"), "");
  EXPECT_FALSE(r.HasQuery("from"));
  EXPECT_EQ(r.Query("from"), std::nullopt);
}

TEST(RequestTest, FirstOccurrenceOfRepeatedQueryKeyWins) {
  Request r = Request::Make("GET", "/?a=1&a=2");
  EXPECT_EQ(r.Query("a"), "1");
}

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
  Request r = Request::Make("POST", "/", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.Header("Accept"), "");
}

TEST(RequestTest, MissingPathParamIsEmpty) {
  Request r = Request::Make("GET", "/x");
  r.path_params.emplace_back("index", "x");
  EXPECT_EQ(r.PathParam("index"), "x");
  EXPECT_EQ(r.PathParam("id"), "");
}

}  // namespace
}  // namespace sluice::http
