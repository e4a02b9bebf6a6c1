// The query DSL parser, exercised through ParseSearchRequest (its public entry point).
#include <gtest/gtest.h>

#include "search/queries.h"
#include "search/search_request.h"

namespace sluice::search {
namespace {

util::Status Error(std::string_view body) {
  auto r = ParseSearchRequest(body);
  EXPECT_FALSE(r.ok()) << "expected an error for " << body;
  return r.ok() ? util::Status() : r.status();
}

void ExpectError(std::string_view body, const std::string& type, const std::string& reason) {
  util::Status s = Error(body);
  EXPECT_EQ(s.type(), type) << body;
  EXPECT_EQ(s.reason(), reason) << body;
  EXPECT_EQ(s.code(), util::Code::kInvalidArgument) << body;
}

template <typename T>
const T* QueryAs(const SearchRequest& r) {
  return dynamic_cast<const T*>(r.query.get());
}

TEST(QueryParserTest, EmptyBodyIsMatchAll) {
  auto r = ParseSearchRequest("");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(QueryAs<MatchAllQuery>(*r), nullptr);
  auto braces = ParseSearchRequest("{}");
  ASSERT_TRUE(braces.ok());
  EXPECT_NE(QueryAs<MatchAllQuery>(*braces), nullptr);
}

TEST(QueryParserTest, ParsesEverySupportedQueryType) {
  for (
      const char* q :
      {R"({"match_all":{}})", R"({"match_all":{"boost":2}})", R"({"match_none":{}})",
       R"({"term":{"f":"v"}})", R"({"term":{"f":{"value":"v","boost":2}}})",
       R"({"terms":{"f":["a","b"]}})", R"({"ids":{"values":["1","2"]}})",
       R"({"exists":{"field":"f"}})", R"({"prefix":{"f":"ab"}})",
       R"({"prefix":{"f":{"value":"ab"}}})", R"({"range":{"f":{"gte":1,"lt":5}}})",
       R"({"range":{"d":{"gt":"2024-01-01","lte":"now","format":"yyyy"}}})",
       R"({"match":{"f":"hello world"}})", R"({"match":{"f":{"query":"x","operator":"AND"}}})",
       R"({"bool":{"must":{"match_all":{}},"filter":[],"should":[{"term":{"a":1}}],"must_not":[],"minimum_should_match":1,"boost":1}})",
       R"({"constant_score":{"filter":{"term":{"a":1}},"boost":3}})",
       R"({"knn":{"v":{"vector":[1,2],"k":3,"filter":{"term":{"a":1}},"method_parameters":{"ef_search":50},"boost":2}}})",
       R"({"knn":{"v":{"vector":[1,2],"max_distance":2.5}}})",
       R"({"knn":{"v":{"vector":[1,2],"min_score":0.9}}})"}) {
    auto r = ParseSearchRequest(std::string(R"({"query":)") + q + "}");
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
  }
}

TEST(QueryParserTest, TermAndTermsOnIdAreIdsQueries) {
  for (const char* q : {R"({"term":{"_id":1}})", R"({"term":{"_id":{"value":"1"}}})",
                        R"({"terms":{"_id":[1,"3"]}})"}) {
    auto r = ParseSearchRequest(std::string(R"({"query":)") + q + "}");
    ASSERT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    EXPECT_NE(QueryAs<IdsQuery>(*r), nullptr) << q;
  }
  auto other = ParseSearchRequest(R"({"query":{"term":{"id":1}}})");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(QueryAs<IdsQuery>(*other), nullptr);
}

TEST(QueryParserTest, UnknownQuery) {
  ExpectError(R"({"query":{"foo":{}}})", "parsing_exception", "unknown query [foo]");
}

TEST(QueryParserTest, TwoQueriesInOneObject) {
  ExpectError(R"({"query":{"match_all":{},"term":{"a":1}}})", "parsing_exception",
              "[match_all] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
}

TEST(QueryParserTest, BoolRejectsUnknownKeys) {
  ExpectError(R"({"query":{"bool":{"foo":[]}}})", "parsing_exception",
              "[bool] query does not support [foo]");
}

TEST(QueryParserTest, TermWithTwoFields) {
  ExpectError(R"({"query":{"term":{"a":1,"b":2}}})", "parsing_exception",
              "[term] query doesn't support multiple fields, found [a] and [b]");
}

TEST(QueryParserTest, ErrorsInsideBoolPropagate) {
  ExpectError(R"({"query":{"bool":{"must":[{"match_all":{}},{"nope":{}}]}}})", "parsing_exception",
              "unknown query [nope]");
}

TEST(QueryParserTest, KnnWithMultipleFields) {
  ExpectError(R"({"query":{"knn":{"a":{"vector":[1],"k":1},"b":{"vector":[1],"k":1}}}})",
              "parsing_exception",
              "[knn] query doesn't support multiple fields, found [a] and [b]");
}

TEST(QueryParserTest, KnnNeedsExactlyOneOfKDistanceScore) {
  const std::string msg = "[knn] requires exactly one of k, distance or score to be set";
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2]}}}})", "illegal_argument_exception", msg);
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"k":2,"min_score":0.5}}}})",
              "illegal_argument_exception", msg);
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"max_distance":1,"min_score":0.5}}}})",
              "illegal_argument_exception", msg);
}

TEST(QueryParserTest, KnnKRange) {
  const std::string msg = "[knn] requires k to be in the range (0, 10000]";
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"k":0}}}})", "illegal_argument_exception",
              msg);
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"k":10001}}}})", "illegal_argument_exception",
              msg);
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"k":-1}}}})", "illegal_argument_exception",
              msg);
  EXPECT_TRUE(ParseSearchRequest(R"({"query":{"knn":{"v":{"vector":[1,2],"k":10000}}}})").ok());
}

TEST(QueryParserTest, KnnMinScoreMustBePositive) {
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,2],"min_score":0}}}})",
              "illegal_argument_exception", "[knn] requires minScore to be greater than 0");
}

TEST(QueryParserTest, KnnVectorValidation) {
  ExpectError(R"({"query":{"knn":{"v":{"k":2}}}})", "illegal_argument_exception",
              "[knn] requires query vector");
  ExpectError(R"({"query":{"knn":{"v":{"vector":[],"k":2}}}})", "illegal_argument_exception",
              "[knn] query vector is empty");
  ExpectError(R"({"query":{"knn":{"v":{"vector":[1,"a"],"k":2}}}})", "illegal_argument_exception",
              "[knn] field 'vector' requires to be an array of numbers");
}

TEST(QueryParserTest, KnnBadMethodParameters) {
  util::Status s =
      Error(R"({"query":{"knn":{"v":{"vector":[1],"k":1,"method_parameters":{"foo":1}}}}})");
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_EQ(s.reason().rfind("[knn] errors in method parameter [Validation Failed: 1: ", 0), 0u)
      << s.reason();
}

TEST(QueryParserTest, KnnFieldsAreParsed) {
  auto r = ParseSearchRequest(
      R"({"query":{"knn":{"emb":{"vector":[1.5,2],"k":3,"filter":{"match_all":{}},"boost":2,"method_parameters":{"ef_search":40}}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto* knn = QueryAs<KnnQuery>(*r);
  ASSERT_NE(knn, nullptr);
  EXPECT_EQ(knn->field, "emb");
  EXPECT_EQ(knn->vector, (std::vector<float>{1.5f, 2.0f}));
  EXPECT_EQ(knn->k, 3);
  EXPECT_FALSE(knn->max_distance.has_value());
  EXPECT_NE(knn->filter, nullptr);
  EXPECT_EQ(knn->boost, 2.0f);
  EXPECT_EQ(knn->ef_search, 40);
}

TEST(QueryParserTest, BoolClausesMayBeObjectsOrArrays) {
  auto r = ParseSearchRequest(
      R"({"query":{"bool":{"must":{"term":{"a":1}},"should":[{"term":{"b":1}},{"term":{"c":1}}],"minimum_should_match":"1"}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto* b = QueryAs<BoolQuery>(*r);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->must.size(), 1u);
  EXPECT_EQ(b->should.size(), 2u);
  EXPECT_EQ(b->minimum_should_match, 1);
}

}  // namespace
}  // namespace sluice::search
