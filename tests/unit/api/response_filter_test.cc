// filter_path: OpenSearch's response filtering rules.
#include "api/response_filter.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

constexpr const char* kBody =
    R"({"took":3,"hits":{"total":{"value":2,"relation":"eq"},"hits":[{"_id":"a","_source":{"x":1}},)"
    R"({"_id":"b","_score":1.5}]},"nodes":{"n1":{"name":"one","os":{"cpu":7}},"n2":{"name":"two"}}})";

TEST(FilterPathTest, IncludesPathsKeepingTheirParents) {
  EXPECT_EQ(FilterPath(kBody, "took"), R"({"took":3})");
  EXPECT_EQ(FilterPath(kBody, "hits.hits._id,took"),
            R"({"took":3,"hits":{"hits":[{"_id":"a"},{"_id":"b"}]}})");
  EXPECT_EQ(FilterPath(kBody, "hits.total.value"), R"({"hits":{"total":{"value":2}}})");
  EXPECT_EQ(FilterPath(kBody, "hits.hits._score"), R"({"hits":{"hits":[{"_score":1.5}]}})");
}

TEST(FilterPathTest, WildcardsAndDoubleWildcards) {
  EXPECT_EQ(FilterPath(kBody, "nodes.*.name"),
            R"({"nodes":{"n1":{"name":"one"},"n2":{"name":"two"}}})");
  EXPECT_EQ(FilterPath(kBody, "**.cpu"), R"({"nodes":{"n1":{"os":{"cpu":7}}}})");
  EXPECT_EQ(FilterPath(kBody, "to*"), R"({"took":3})");
  EXPECT_EQ(FilterPath(kBody, "nodes.**.name"),
            R"({"nodes":{"n1":{"name":"one"},"n2":{"name":"two"}}})");
}

TEST(FilterPathTest, NothingMatchingIsAnEmptyObject) {
  EXPECT_EQ(FilterPath(kBody, "nope"), "{}");
  EXPECT_EQ(FilterPath(kBody, "hits.nope"), "{}");
}

TEST(FilterPathTest, ExclusionsRemoveAndApplyAfterInclusions) {
  EXPECT_EQ(FilterPath(R"({"a":1,"b":{"c":2,"d":3}})", "-b.c"), R"({"a":1,"b":{"d":3}})");
  EXPECT_EQ(FilterPath(R"({"a":1,"b":{"c":2,"d":3}})", "b,-b.d"), R"({"b":{"c":2}})");
}

TEST(FilterPathTest, NonJsonIsUnchanged) { EXPECT_EQ(FilterPath("green\n", "a"), "green\n"); }

class FilterPathHandlersTest : public ApiTest {};

TEST_F(FilterPathHandlersTest, EveryJsonResponseButErrors) {
  EXPECT_EQ(Call("PUT", "/f/_doc/1?filter_path=result,_id", R"({"x":1})").body,
            R"({"_id":"1","result":"created"})");
  EXPECT_EQ(Call("GET", "/_cat/indices?format=json&filter_path=index").body, R"([{"index":"f"}])");
  http::Response missing = Call("GET", "/nope/_doc/1?filter_path=x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("index_not_found_exception"), std::string::npos);
}

}  // namespace
}  // namespace sluice::api
