// _search and _count through the real router (rest-api.md §7, knn.md §4).
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class SearchHandlersTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_EQ(
        Call("PUT", "/movies",
             R"({"settings":{"index":{"knn":true,"number_of_replicas":0}},"mappings":{)"
             R"("properties":{"v":{"type":"knn_vector","dimension":2},"tag":{"type":"keyword"}}}})")
            .status,
        200);
    ASSERT_EQ(Bulk("/movies/_bulk", R"({"index":{"_id":"1"}})"
                                    "\n"
                                    R"({"v":[2.0,3.0],"tag":"a"})"
                                    "\n"
                                    R"({"index":{"_id":"2"}})"
                                    "\n"
                                    R"({"v":[1.5,2.5],"tag":"b"})"
                                    "\n")
                  .status,
              200);
  }
};

TEST_F(SearchHandlersTest, KnnResponseMatchesThePluginExample) {
  http::Response r =
      Call("POST", "/movies/_search", R"({"query":{"knn":{"v":{"vector":[1.0,2.0],"k":2}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  size_t shards = r.body.find(R"(,"timed_out":false,)");
  ASSERT_NE(shards, std::string::npos) << r.body;
  EXPECT_EQ(
      r.body.substr(shards),
      R"(,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},)"
      R"("hits":{"total":{"value":2,"relation":"eq"},"max_score":0.6666667,"hits":[)"
      R"({"_index":"movies","_id":"2","_score":0.6666667,"_source":{"v":[1.5,2.5],"tag":"b"}},)"
      R"({"_index":"movies","_id":"1","_score":0.33333334,"_source":{"v":[2.0,3.0],"tag":"a"}}]}})");
}

TEST_F(SearchHandlersTest, NoHitsHasNullMaxScore) {
  http::Response r = Call("GET", "/movies/_search", R"({"query":{"term":{"tag":"zzz"}}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(
      r.body.find(R"("hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]})"),
      std::string::npos)
      << r.body;
}

TEST_F(SearchHandlersTest, OptionalHitFieldsAndTotals) {
  rapidjson::Document d = Json(Call(
      "POST", "/movies/_search?size=1",
      R"({"version":true,"seq_no_primary_term":true,"_source":false,"track_total_hits":false})"));
  const auto& hit = d["hits"]["hits"][0];
  EXPECT_EQ(hit["_version"].GetInt(), 1);
  EXPECT_TRUE(hit.HasMember("_seq_no"));
  EXPECT_EQ(hit["_primary_term"].GetInt(), 1);
  EXPECT_FALSE(hit.HasMember("_source"));
  EXPECT_FALSE(d["hits"].HasMember("total"));
  EXPECT_EQ(d["hits"]["hits"].Size(), 1u);
}

TEST_F(SearchHandlersTest, RestTotalHitsAsIntRendersANumber) {
  rapidjson::Document d = Json(Call("POST", "/movies/_search?rest_total_hits_as_int=true", ""));
  ASSERT_TRUE(d["hits"]["total"].IsUint())
      << Json(Call("POST", "/movies/_search", ""))["hits"]["total"].IsObject();
  EXPECT_EQ(d["hits"]["total"].GetUint(), 2u);
  rapidjson::Document off = Json(
      Call("POST", "/movies/_search?rest_total_hits_as_int=true", R"({"track_total_hits":false})"));
  EXPECT_EQ(off["hits"]["total"].GetInt(), -1);
  http::Response bounded =
      Call("POST", "/movies/_search?rest_total_hits_as_int=true", R"({"track_total_hits":5})");
  EXPECT_EQ(bounded.status, 400);
  EXPECT_NE(bounded.body.find("[rest_total_hits_as_int] cannot be used if the tracking of total "
                              "hits is not accurate, got 5"),
            std::string::npos);
}

TEST_F(SearchHandlersTest, MissingIndexAndWildcards) {
  http::Response missing = Call("GET", "/nope/_search");
  EXPECT_EQ(missing.status, 404);
  EXPECT_STREQ(Json(missing)["error"]["type"].GetString(), "index_not_found_exception");
  rapidjson::Document ignored = Json(Call("GET", "/nope/_search?ignore_unavailable=true"));
  EXPECT_EQ(ignored["_shards"]["total"].GetInt(), 0);
  rapidjson::Document none = Json(Call("GET", "/nothing-*/_search"));
  EXPECT_EQ(none["_shards"]["total"].GetInt(), 0);
  EXPECT_EQ(none["hits"]["hits"].Size(), 0u);
  EXPECT_EQ(Json(Call("GET", "/mov*/_search"))["hits"]["total"]["value"].GetInt(), 2);
}

TEST_F(SearchHandlersTest, UnknownQueryIsParsingException) {
  http::Response r = Call("POST", "/movies/_search", R"({"query":{"foo":{}}})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["root_cause"][0]["type"].GetString(), "parsing_exception");
  EXPECT_STREQ(d["error"]["reason"].GetString(), "unknown query [foo]");
}

TEST_F(SearchHandlersTest, KnnOnANonVectorFieldIsAShardFailure) {
  http::Response r =
      Call("POST", "/movies/_search", R"({"query":{"knn":{"tag":{"vector":[1,2],"k":1}}}})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["type"].GetString(), "search_phase_execution_exception");
  EXPECT_STREQ(d["error"]["reason"].GetString(), "all shards failed");
  EXPECT_STREQ(d["error"]["phase"].GetString(), "query");
  EXPECT_TRUE(d["error"]["grouped"].GetBool());
  const auto& root = d["error"]["root_cause"][0];
  EXPECT_STREQ(root["type"].GetString(), "query_shard_exception");
  EXPECT_STREQ(root["reason"].GetString(),
               "failed to create query: Field 'tag' is not knn_vector type.");
  EXPECT_STREQ(root["index"].GetString(), "movies");
}

TEST_F(SearchHandlersTest, ResultWindowErrorRootIsTheShardCause) {
  http::Response r = Call("POST", "/movies/_search?from=9995", R"({"size":10})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["type"].GetString(), "search_phase_execution_exception");
  EXPECT_STREQ(d["error"]["root_cause"][0]["type"].GetString(), "illegal_argument_exception");
  EXPECT_EQ(
      std::string(d["error"]["root_cause"][0]["reason"].GetString())
          .rfind("Result window is too large, from + size must be less than or equal to: [10000] "
                 "but was [10005].",
                 0),
      0u);
  EXPECT_STREQ(d["error"]["caused_by"]["type"].GetString(), "illegal_argument_exception");
}

TEST_F(SearchHandlersTest, UnknownTopLevelKey) {
  http::Response r = Call("POST", "/movies/_search", R"({"foo":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_STREQ(Json(r)["error"]["reason"].GetString(), "Unknown key for a START_OBJECT in [foo].");
}

TEST_F(SearchHandlersTest, SourceParamsFilterHits) {
  rapidjson::Document d = Json(Call("GET", "/movies/_search?_source_excludes=v&size=1",
                                    R"({"query":{"ids":{"values":["1"]}}})"));
  EXPECT_EQ(std::string(d["hits"]["hits"][0]["_source"]["tag"].GetString()), "a");
  EXPECT_FALSE(d["hits"]["hits"][0]["_source"].HasMember("v"));
}

TEST_F(SearchHandlersTest, Count) {
  http::Response r = Call("POST", "/movies/_count", R"({"query":{"term":{"tag":"a"}}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"count":1,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}})");
  EXPECT_EQ(Json(Call("GET", "/movies/_count"))["count"].GetInt(), 2);
}

// Parsers recurse per nesting level; the router refuses bodies nested deeper
// than util::kMaxJsonNesting before any of them runs.
TEST_F(SearchHandlersTest, DeeplyNestedBodiesAreRejectedNotFatal) {
  std::string deep_array = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_EQ(Call("POST", "/movies/_search", R"({"query":)" + deep_array + "}").status, 400);
  std::string deep_bool;
  for (int i = 0; i < 20000; ++i) deep_bool += R"({"bool":{"must":)";
  deep_bool += R"({"match_all":{}})";
  for (int i = 0; i < 20000; ++i) deep_bool += "}}";
  http::Response r = Call("POST", "/movies/_search", R"({"query":)" + deep_bool + "}");
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
}

TEST_F(SearchHandlersTest, NonFiniteQueryVectorIsRejected) {
  http::Response r =
      Call("POST", "/movies/_search", R"({"query":{"knn":{"v":{"vector":[3.4e39,0],"k":1}}}})");
  EXPECT_EQ(r.status, 400) << r.body;
}

}  // namespace
}  // namespace sluice::api

namespace sluice::api {
namespace {

class TextSearchHandlersTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_EQ(Call("PUT", "/books", R"({"mappings":{"properties":{"title":{"type":"text"}}}})").status,
              200);
    ASSERT_EQ(Bulk("/books/_bulk", "{\"index\":{\"_id\":\"1\"}}\n{\"title\":\"quick brown fox\"}\n"
                                   "{\"index\":{\"_id\":\"2\"}}\n{\"title\":\"lazy dog\"}\n")
                  .status,
              200);
  }
};

TEST_F(TextSearchHandlersTest, UriQueryOnSearchAndCount) {
  rapidjson::Document d = Json(Call("GET", "/books/_search?q=title:fox"));
  ASSERT_EQ(d["hits"]["total"]["value"].GetInt(), 1);
  EXPECT_STREQ(d["hits"]["hits"][0]["_id"].GetString(), "1");
  d = Json(Call("GET", "/books/_count?q=quick%20dog&df=title&default_operator=AND"));
  EXPECT_EQ(d["count"].GetInt(), 0);
  d = Json(Call("GET", "/books/_count?q=quick%20dog&df=title"));
  EXPECT_EQ(d["count"].GetInt(), 2);
  EXPECT_EQ(Call("GET", "/books/_search?q=%22unbalanced").status, 400);
}

TEST_F(TextSearchHandlersTest, AnalyzeErrorsAreOpenSearchs) {
  http::Response r = Call("POST", "/_analyze", R"({"analyzer":"nope","text":"x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("failed to find global analyzer [nope]"), std::string::npos) << r.body;
  r = Call("POST", "/books/_analyze", R"({"analyzer":"standard"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("action_request_validation_exception"), std::string::npos) << r.body;
  r = Call("POST", "/books/_analyze", R"({"field":"title","text":["a b","c"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document d = Json(r);
  EXPECT_EQ(d["tokens"][2]["position"].GetInt(), 102);  // the text field's position gap
  EXPECT_EQ(d["tokens"][2]["start_offset"].GetInt(), 4);
}

}  // namespace
}  // namespace sluice::api
