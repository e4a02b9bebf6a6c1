// Index endpoints through the real router (rest-api.md §3, §4; knn.md §1, §2.5).
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class IndexHandlersTest : public ApiTest {};

TEST_F(IndexHandlersTest, CreateAcknowledges) {
  http::Response r = Call("PUT", "/books");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"acknowledged":true,"shards_acknowledged":true,"index":"books"})");
}

TEST_F(IndexHandlersTest, CreateExistingIsResourceAlreadyExists) {
  Call("PUT", "/books");
  http::Response r = Call("PUT", "/books");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["type"].GetString(), "resource_already_exists_exception");
  std::string uuid = d["error"]["index_uuid"].GetString();
  EXPECT_EQ(std::string(d["error"]["reason"].GetString()),
            "index [books/" + uuid + "] already exists");
  EXPECT_EQ(d["status"].GetInt(), 400);
}

TEST_F(IndexHandlersTest, InvalidNameBody) {
  http::Response r = Call("PUT", "/Books");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"error":{"root_cause":[{"type":"invalid_index_name_exception","reason":)"
      R"("Invalid index name [Books], must be lowercase","index_uuid":"_na_","index":"Books"}],)"
      R"("type":"invalid_index_name_exception","reason":"Invalid index name [Books], must be )"
      R"(lowercase","index_uuid":"_na_","index":"Books"},"status":400})");
}

TEST_F(IndexHandlersTest, KnnMappingErrorIsVerbatimPluginShape) {
  http::Response r =
      Call("PUT", "/v",
           R"({"mappings":{"properties":{"v":{"type":"knn_vector","dimension":3,"foo":1}}}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":"unknown )"
      R"(parameter [foo] on mapper [v] of type [knn_vector]"}],"type":"mapper_parsing_exception",)"
      R"("reason":"Failed to parse mapping [_doc]: unknown parameter [foo] on mapper [v] of type )"
      R"([knn_vector]","caused_by":{"type":"mapper_parsing_exception","reason":"unknown )"
      R"(parameter [foo] on mapper [v] of type [knn_vector]"}},"status":400})");
}

TEST_F(IndexHandlersTest, KnnIllegalArgumentMappingErrorRootIsTheWrapper) {
  http::Response r =
      Call("PUT", "/v", R"({"mappings":{"properties":{"v":{"type":"knn_vector","dimension":0}}}})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  const auto& root = d["error"]["root_cause"][0];
  EXPECT_STREQ(root["type"].GetString(), "mapper_parsing_exception");
  EXPECT_STREQ(
      root["reason"].GetString(),
      "Failed to parse mapping [_doc]: Dimension value must be greater than 0 for vector: v");
  EXPECT_STREQ(d["error"]["caused_by"]["type"].GetString(), "illegal_argument_exception");
}

TEST_F(IndexHandlersTest, UnknownSetting) {
  http::Response r = Call("PUT", "/x", R"({"settings":{"index":{"foo":"bar"}}})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["type"].GetString(), "illegal_argument_exception");
  EXPECT_STREQ(d["error"]["reason"].GetString(),
               "unknown setting [index.foo] please check that any required plugins are installed, "
               "or check the breaking changes documentation for removed settings");
}

TEST_F(IndexHandlersTest, GetShowsAliasesMappingsAndStringSettings) {
  Call(
      "PUT", "/books",
      R"({"settings":{"index":{"knn":true,"knn.algo_param.ef_search":100,"number_of_replicas":0}},)"
      R"("mappings":{"properties":{"v":{"type":"knn_vector","dimension":3}}}})");
  http::Response r = Call("GET", "/books");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d = Json(r);
  const auto& books = d["books"];
  EXPECT_TRUE(books["aliases"].IsObject() && books["aliases"].MemberCount() == 0);
  EXPECT_STREQ(books["mappings"]["properties"]["v"]["type"].GetString(), "knn_vector");
  EXPECT_EQ(books["mappings"]["properties"]["v"].MemberCount(), 2u);  // echoed as given
  const auto& s = books["settings"]["index"];
  EXPECT_STREQ(s["number_of_shards"].GetString(), "1");
  EXPECT_STREQ(s["number_of_replicas"].GetString(), "0");
  EXPECT_STREQ(s["knn"].GetString(), "true");
  EXPECT_STREQ(s["knn.algo_param"]["ef_search"].GetString(), "100");
  EXPECT_STREQ(s["provided_name"].GetString(), "books");
  EXPECT_EQ(std::string(s["uuid"].GetString()).size(), 22u);
  EXPECT_TRUE(s["creation_date"].IsString());
  EXPECT_STREQ(s["version"]["created"].GetString(), "137277827");
  EXPECT_STREQ(s["replication"]["type"].GetString(), "DOCUMENT");

  rapidjson::Document flat = Json(Call("GET", "/books?flat_settings=true"));
  EXPECT_STREQ(flat["books"]["settings"]["index.number_of_shards"].GetString(), "1");
  rapidjson::Document settings = Json(Call("GET", "/books/_settings"));
  EXPECT_STREQ(settings["books"]["settings"]["index"]["knn"].GetString(), "true");
}

TEST_F(IndexHandlersTest, GetMissingAndWildcards) {
  Call("PUT", "/logs-1");
  Call("PUT", "/logs-2");
  http::Response missing = Call("GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_STREQ(Json(missing)["error"]["type"].GetString(), "index_not_found_exception");
  http::Response none = Call("GET", "/nothing-*");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, "{}");
  rapidjson::Document both = Json(Call("GET", "/logs-*"));
  EXPECT_TRUE(both.HasMember("logs-1") && both.HasMember("logs-2"));
  EXPECT_EQ(Json(Call("GET", "/logs-1,logs-2")).MemberCount(), 2u);
}

TEST_F(IndexHandlersTest, HeadAndDelete) {
  Call("PUT", "/books");
  http::Response head = Call("HEAD", "/books");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(Call("HEAD", "/nope").status, 404);
  http::Response del = Call("DELETE", "/books");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.body, R"({"acknowledged":true})");
  http::Response again = Call("DELETE", "/books");
  EXPECT_EQ(again.status, 404);
  EXPECT_STREQ(Json(again)["error"]["type"].GetString(), "index_not_found_exception");
  EXPECT_EQ(Call("HEAD", "/books").status, 404);
}

TEST_F(IndexHandlersTest, DynamicMappingShapes) {
  Call(
      "PUT", "/d/_doc/1",
      R"({"title":"hello","n":3,"f":1.5,"ok":true,"when":"2024-05-01","o":{"x":1},"v":[0.5,1.5]})");
  http::Response r = Call("GET", "/d/_mapping");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"d":{"mappings":{"properties":{"title":{"type":"text","fields":{"keyword":)"
            R"({"type":"keyword","ignore_above":256}}},"n":{"type":"long"},"f":{"type":"float"},)"
            R"("ok":{"type":"boolean"},"when":{"type":"date"},"o":{"properties":{"x":)"
            R"({"type":"long"}}},"v":{"type":"float"}}}}})");
}

TEST_F(IndexHandlersTest, EmptyMappingsRenderAsEmptyObject) {
  Call("PUT", "/e");
  EXPECT_EQ(Call("GET", "/e/_mapping").body, R"({"e":{"mappings":{}}})");
}

TEST_F(IndexHandlersTest, PutMapping) {
  Call("PUT", "/m", R"({"mappings":{"properties":{"f":{"type":"long"}}}})");
  http::Response ok = Call("PUT", "/m/_mapping", R"({"properties":{"g":{"type":"keyword"}}})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"acknowledged":true})");
  http::Response conflict = Call("PUT", "/m/_mapping", R"({"properties":{"f":{"type":"text"}}})");
  EXPECT_EQ(conflict.status, 400);
  rapidjson::Document d = Json(conflict);
  EXPECT_STREQ(d["error"]["type"].GetString(), "illegal_argument_exception");
  EXPECT_STREQ(d["error"]["reason"].GetString(),
               "mapper [f] cannot be changed from type [long] to [text]");
  EXPECT_EQ(Call("GET", "/m/_mapping").body,
            R"({"m":{"mappings":{"properties":{"f":{"type":"long"},"g":{"type":"keyword"}}}}})");
}

TEST_F(IndexHandlersTest, RefreshReportsShards) {
  Call("PUT", "/r1");
  Call("PUT", "/r0", R"({"settings":{"number_of_replicas":0}})");
  EXPECT_EQ(Call("POST", "/r1/_refresh").body,
            R"({"_shards":{"total":2,"successful":1,"failed":0}})");
  EXPECT_EQ(Call("GET", "/r0/_refresh").body,
            R"({"_shards":{"total":1,"successful":1,"failed":0}})");
  EXPECT_EQ(Call("POST", "/nope/_refresh").status, 404);
}

TEST_F(IndexHandlersTest, DeleteThroughAnAliasOnlyWhenUnavailableNamesAreIgnored) {
  Call("PUT", "/index");
  Call("PUT", "/index2");
  ASSERT_EQ(Call("PUT", "/index/_alias/alias").status, 200);
  EXPECT_EQ(Call("DELETE", "/alias").status, 400);  // would drop the index behind it
  EXPECT_EQ(Call("DELETE", "/alias?ignore_unavailable=true").status, 200);
  EXPECT_EQ(Call("HEAD", "/index").status, 200);
  // A wildcard that matches no index: fine, unless allow_no_indices=false — then
  // nothing of the request is deleted.
  EXPECT_EQ(Call("DELETE", "/index2,alia*?allow_no_indices=false").status, 404);
  EXPECT_EQ(Call("HEAD", "/index2").status, 200);
  EXPECT_EQ(Call("DELETE", "/alias,index2?ignore_unavailable=true").status, 200);
  EXPECT_EQ(Call("HEAD", "/index2").status, 404);
  EXPECT_EQ(Call("HEAD", "/index").status, 200);
}

TEST_F(IndexHandlersTest, GetOfANameNoIndexCanHaveIsABadRequest) {
  http::Response r = Call("GET", "/_foo");
  EXPECT_EQ(r.status, 400);
  EXPECT_STREQ(Json(r)["error"]["type"].GetString(), "invalid_index_name_exception");
}

}  // namespace
}  // namespace sluice::api
