#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace sluice::http {
namespace {

// A handler that answers with its name and the path params it saw.
Handler Named(std::string name) {
  return [name](const Request& r) {
    Response res;
    res.body = name;
    for (const auto& [k, v] : r.path_params) res.body += " " + k + "=" + v;
    return res;
  };
}

Response DispatchTo(const Router& router, std::string method, std::string target,
                    std::string body = {}, Request::Pairs headers = {}) {
  Request r =
      Request::Make(std::move(method), std::move(target), std::move(body), std::move(headers));
  return router.Dispatch(r);
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", Named("root"));
    router_.Add("GET", "/{index}", Named("get_index"));
    router_.Add("PUT", "/{index}", Named("create_index"));
    router_.Add("POST", "/_bulk", Named("bulk"));
    router_.Add("PUT", "/_bulk", Named("bulk"));
    router_.Add("POST", "/{index}/_bulk", Named("index_bulk"));
    router_.Add("GET", "/{index}/_doc/{id}", Named("get_doc"));
    router_.Add("GET", "/_cat/indices", Named("cat"));
    router_.Add("POST", "/_refresh", Named("refresh"));
    router_.Add("GET", "/_refresh", Named("refresh"));
  }
  Router router_;
};

TEST_F(RouterTest, RootPathMatchesSlashPattern) {
  EXPECT_EQ(DispatchTo(router_, "GET", "/").body, "root");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameter) {
  EXPECT_EQ(DispatchTo(router_, "POST", "/_bulk").body, "bulk");
  EXPECT_EQ(DispatchTo(router_, "GET", "/_cat/indices").body, "cat");
  EXPECT_EQ(DispatchTo(router_, "PUT", "/books").body, "create_index index=books");
}

TEST_F(RouterTest, MethodMissingOnLiteralFallsThroughToParameterRoute) {
  // As in OpenSearch: GET /_bulk is "get index [_bulk]".
  EXPECT_EQ(DispatchTo(router_, "GET", "/_bulk").body, "get_index index=_bulk");
}

TEST_F(RouterTest, DispatchRecordsTheMatchedRoutePatternNotThePath) {
  Request r = Request::Make("GET", "/my-index/_doc/42?pretty");
  router_.Dispatch(r);
  EXPECT_EQ(r.route, "/{index}/_doc/{id}");
  Request root = Request::Make("GET", "/");
  router_.Dispatch(root);
  EXPECT_EQ(root.route, "/");
  Request unknown = Request::Make("GET", "/a/b/c/d/e");
  router_.Dispatch(unknown);
  EXPECT_EQ(unknown.route, "");
}

TEST_F(RouterTest, BindsAndPercentDecodesPathParams) {
  EXPECT_EQ(DispatchTo(router_, "GET", "/my%20idx/_doc/a%2Fb+c").body,
            "get_doc index=my idx id=a/b+c");
}

TEST_F(RouterTest, IgnoresEmptySegmentsAndQueryString) {
  EXPECT_EQ(DispatchTo(router_, "GET", "/books/?pretty").body, "get_index index=books");
  EXPECT_EQ(DispatchTo(router_, "POST", "//books//_bulk").body, "index_bulk index=books");
}

TEST_F(RouterTest, UnknownPathIs400WithOpenSearchMessage) {
  Response r = DispatchTo(router_, "GET", "/a/b/c/d%21?x=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"error":"no handler found for uri [/a/b/c/d!] and method [GET]"})");
}

TEST_F(RouterTest, WrongMethodIs405ListingMethodsOfAllMatchingPatterns) {
  // /_refresh has POST and GET; /{index} (which also matches) has GET and PUT.
  Response r = DispatchTo(router_, "DELETE", "/_refresh?pretty");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body,
            R"({"error":"Incorrect HTTP method for uri [/_refresh?pretty] and method [DELETE], )"
            R"(allowed: [POST, GET, PUT, HEAD]","status":405})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "POST,GET,PUT,HEAD");
}

TEST_F(RouterTest, MethodOnlyOnParameterRouteIsServedThere) {
  // As in OpenSearch: PUT /_refresh is "create index [_refresh]" (which api/ rejects).
  EXPECT_EQ(DispatchTo(router_, "PUT", "/_refresh").body, "create_index index=_refresh");
}

TEST_F(RouterTest, HeadRunsGetHandlerWhenNoHeadRoute) {
  Response r = DispatchTo(router_, "HEAD", "/books");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "get_index index=books");  // the server sends only its length
}

TEST_F(RouterTest, ExplicitHeadRouteWinsOverGet) {
  router_.Add("HEAD", "/{index}", Named("exists"));
  EXPECT_EQ(DispatchTo(router_, "HEAD", "/books").body, "exists index=books");
}

TEST_F(RouterTest, AddingSameRouteTwiceReplacesHandler) {
  router_.Add("GET", "/_cat/indices", Named("cat2"));
  EXPECT_EQ(DispatchTo(router_, "GET", "/_cat/indices").body, "cat2");
}

TEST_F(RouterTest, BodyWithoutContentTypeIs406) {
  Response r = DispatchTo(router_, "PUT", "/books", "{}");
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(r.body, R"({"error":"Content-Type header is missing","status":406})");
}

TEST_F(RouterTest, UnsupportedContentTypeIs406WithTheHeaderValue) {
  Response r = DispatchTo(router_, "PUT", "/books", "a=b",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(r.body, R"({"error":"Content-Type header [application/x-www-form-urlencoded] is not )"
                    R"(supported","status":406})");
}

TEST_F(RouterTest, AcceptsJsonAndNdjsonTypesWithParameters) {
  for (const char* type :
       {"application/json", "application/json; charset=UTF-8", "Application/JSON",
        "application/x-ndjson", "application/vnd.opensearch+json; compatible-with=7",
        "application/vnd.opensearch+x-ndjson; compatible-with=7",
        "application/vnd.elasticsearch+json;compatible-with=7"}) {
    Response r = DispatchTo(router_, "PUT", "/books", "{}", {{"Content-Type", type}});
    EXPECT_EQ(r.status, 200) << type;
  }
}

TEST_F(RouterTest, EmptyBodyNeedsNoContentType) {
  EXPECT_EQ(DispatchTo(router_, "PUT", "/books").status, 200);
}

TEST_F(RouterTest, MalformedContentTypeIs400) {
  Response r = DispatchTo(router_, "PUT", "/books", "{}", {{"Content-Type", "text"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"invalid Content-Type header [text]","status":400})");
}

TEST_F(RouterTest, ThrowingHandlerBecomes500) {
  router_.Add("GET", "/boom",
              [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
  Response r = DispatchTo(router_, "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("\"status\":500"), std::string::npos);
}

TEST_F(RouterTest, ErrorMessagesAreJsonEscaped) {
  Response r = DispatchTo(router_, "GET", "/a/b/c/%22q%5C");
  EXPECT_EQ(r.body,
            R"({"error":"no handler found for uri [/a/b/c/\"q\\] and method [GET]"})");
}

TEST(RouterFindTest, ReportsUnknownPathAndAllowedMethods) {
  Router router;
  router.Add("POST", "/x", Named("x"));
  Router::Match none = router.Find("GET", "/y");
  EXPECT_FALSE(none.path_known);
  EXPECT_EQ(none.handler, nullptr);
  Router::Match wrong = router.Find("GET", "/x");
  EXPECT_TRUE(wrong.path_known);
  EXPECT_EQ(wrong.handler, nullptr);
  EXPECT_EQ(wrong.allowed, std::vector<std::string>{"POST"});
}

}  // namespace
}  // namespace sluice::http
