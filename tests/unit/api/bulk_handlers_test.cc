// POST /_bulk through the real router: request-level errors (rest-api.md §6)
// and per-item results.
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class BulkHandlersTest : public ApiTest {
 protected:
  void ExpectRequestError(const std::string& target, const std::string& body,
                          const std::string& type, const std::string& reason) {
    http::Response r = Bulk(target, body);
    EXPECT_EQ(r.status, 400) << r.body;
    rapidjson::Document d = Json(r);
    ASSERT_TRUE(d.IsObject() && d.HasMember("error")) << r.body;
    EXPECT_EQ(std::string(d["error"]["type"].GetString()), type) << r.body;
    EXPECT_EQ(std::string(d["error"]["reason"].GetString()), reason) << r.body;
    EXPECT_EQ(std::string(d["error"]["root_cause"][0]["type"].GetString()), type);
    EXPECT_EQ(d["status"].GetInt(), 400);
  }
};

TEST_F(BulkHandlersTest, MissingFinalNewline) {
  ExpectRequestError("/_bulk",
                     R"({"index":{"_index":"a"}})"
                     "\n"
                     R"({"x":1})",
                     "illegal_argument_exception",
                     "The bulk request must be terminated by a newline [\\n]");
  EXPECT_FALSE(catalog_->Get("a").ok());  // nothing was applied
}

TEST_F(BulkHandlersTest, EmptyBodyAndNoActions) {
  ExpectRequestError("/_bulk", "", "parse_exception", "request body is required");
  ExpectRequestError("/_bulk", "\n\n", "action_request_validation_exception",
                     "Validation Failed: 1: no requests added;");
}

TEST_F(BulkHandlersTest, MalformedActionLines) {
  ExpectRequestError("/_bulk", "\"abc\"\n", "illegal_argument_exception",
                     "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but "
                     "found [VALUE_STRING]");
  ExpectRequestError("/_bulk",
                     R"({"foo":{"_index":"a"}})"
                     "\n",
                     "illegal_argument_exception",
                     "Malformed action/metadata line [1], expected one of [create, delete, index, "
                     "update] but found [foo]");
  // Line numbers count source lines too.
  ExpectRequestError("/_bulk",
                     R"({"index":{"_index":"a"}})"
                     "\n"
                     R"({"x":1})"
                     "\n"
                     R"({"upsert":{}})"
                     "\n",
                     "illegal_argument_exception",
                     "Malformed action/metadata line [3], expected one of [create, delete, index, "
                     "update] but found [upsert]");
}

TEST_F(BulkHandlersTest, UnknownActionParameter) {
  ExpectRequestError("/_bulk",
                     R"({"delete":{"_index":"a","_id":"1","foo":1}})"
                     "\n",
                     "illegal_argument_exception",
                     "Action/metadata line [1] contains an unknown parameter [foo]");
}

TEST_F(BulkHandlersTest, IndexMissingWithoutPathIndex) {
  ExpectRequestError("/_bulk",
                     R"({"index":{"_id":"1"}})"
                     "\n"
                     R"({"x":1})"
                     "\n",
                     "action_request_validation_exception",
                     "Validation Failed: 1: index is missing;");
}

TEST_F(BulkHandlersTest, IdMissingForUpdateOrDelete) {
  ExpectRequestError("/a/_bulk", "{\"delete\":{}}\n", "action_request_validation_exception",
                     "Validation Failed: 1: id is missing;");
  ExpectRequestError("/a/_bulk", "{\"update\":{}}\n{\"doc\":{}}\n",
                     "action_request_validation_exception", "Validation Failed: 1: id is missing;");
}

TEST_F(BulkHandlersTest, PerItemResultsInRequestOrder) {
  ASSERT_EQ(Call("PUT", "/movies", R"({"mappings":{"properties":{"n":{"type":"long"}}}})").status,
            200);
  std::string body = R"({"index":{"_id":"1"}})"
                     "\n"
                     R"({"n":1})"
                     "\n"
                     R"({"index":{"_id":"1"}})"
                     "\n"
                     R"({"n":2})"
                     "\n"
                     R"({"create":{"_id":"1"}})"
                     "\n"
                     R"({"n":3})"
                     "\n"
                     R"({"delete":{"_id":"nope"}})"
                     "\n"
                     R"({"update":{"_id":"missing"}})"
                     "\n"
                     R"({"doc":{"n":1}})"
                     "\n"
                     R"({"index":{"_id":"2"}})"
                     "\n"
                     R"({"n":"abc"})"
                     "\n"
                     R"({"create":{"_id":"3"}})"
                     "\n"
                     R"({"n":3})"
                     "\n"
                     R"({"update":{"_id":"3"}})"
                     "\n"
                     R"({"doc":{"n":4}})"
                     "\n";
  http::Response r = Bulk("/movies/_bulk", body);
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document d = Json(r);
  EXPECT_TRUE(d["took"].IsInt());
  EXPECT_TRUE(d["errors"].GetBool());
  const auto& items = d["items"];
  ASSERT_EQ(items.Size(), 8u) << r.body;
  auto item = [&](size_t i, const char* action) -> const rapidjson::Value& {
    EXPECT_TRUE(items[i].HasMember(action)) << i;
    return items[i][action];
  };
  const auto& created = item(0, "index");
  EXPECT_EQ(created["status"].GetInt(), 201);
  EXPECT_STREQ(created["result"].GetString(), "created");
  EXPECT_STREQ(created["_index"].GetString(), "movies");
  EXPECT_EQ(created["_seq_no"].GetInt(), 0);
  EXPECT_EQ(created["_shards"]["total"].GetInt(), 2);
  EXPECT_EQ(item(1, "index")["status"].GetInt(), 200);
  EXPECT_STREQ(item(1, "index")["result"].GetString(), "updated");
  EXPECT_EQ(item(1, "index")["_version"].GetInt(), 2);

  const auto& conflict = item(2, "create");
  EXPECT_EQ(conflict["status"].GetInt(), 409);
  EXPECT_STREQ(conflict["_id"].GetString(), "1");
  EXPECT_STREQ(conflict["error"]["type"].GetString(), "version_conflict_engine_exception");
  EXPECT_FALSE(conflict["error"].HasMember("root_cause"));

  const auto& not_found = item(3, "delete");
  EXPECT_EQ(not_found["status"].GetInt(), 404);
  EXPECT_STREQ(not_found["result"].GetString(), "not_found");
  EXPECT_FALSE(not_found.HasMember("error"));

  const auto& missing = item(4, "update");
  EXPECT_EQ(missing["status"].GetInt(), 404);
  EXPECT_STREQ(missing["error"]["type"].GetString(), "document_missing_exception");
  EXPECT_STREQ(missing["error"]["reason"].GetString(), "[missing]: document missing");
  EXPECT_STREQ(missing["error"]["shard"].GetString(), "0");

  const auto& bad = item(5, "index");
  EXPECT_EQ(bad["status"].GetInt(), 400);
  EXPECT_STREQ(bad["_index"].GetString(), "movies");
  EXPECT_STREQ(bad["_id"].GetString(), "2");
  EXPECT_STREQ(bad["error"]["type"].GetString(), "mapper_parsing_exception");
  EXPECT_STREQ(bad["error"]["caused_by"]["type"].GetString(), "number_format_exception");

  EXPECT_EQ(item(6, "create")["status"].GetInt(), 201);
  EXPECT_EQ(item(7, "update")["status"].GetInt(), 200);
  EXPECT_EQ(item(7, "update")["_version"].GetInt(), 2);
  EXPECT_EQ(Call("GET", "/movies/_doc/3").body.find(R"("_source":{"n":4})") != std::string::npos,
            true);
}

TEST_F(BulkHandlersTest, ItemShapeMatchesOpenSearch) {
  http::Response r = Bulk("/_bulk", R"({"index":{"_index":"i","_id":"1"}})"
                                    "\n"
                                    R"({"a":1})"
                                    "\n"
                                    R"({"delete":{"_index":"i","_id":"x"}})"
                                    "\n");
  ASSERT_EQ(r.status, 200);
  std::string body = r.body;
  size_t items = body.find(R"("errors":false,"items":[)");
  ASSERT_NE(items, std::string::npos) << body;
  EXPECT_EQ(body.substr(items),
            R"("errors":false,"items":[{"index":{"_index":"i","_id":"1","_version":1,)"
            R"("result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,)"
            R"("_primary_term":1,"status":201}},{"delete":{"_index":"i","_id":"x","_version":1,)"
            R"("result":"not_found","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":1,)"
            R"("_primary_term":1,"status":404}}]})");
}

TEST_F(BulkHandlersTest, ActionIndexOverridesPathIndexAndAutoCreates) {
  http::Response r = Bulk("/a/_bulk", R"({"index":{"_id":"1"}})"
                                      "\n"
                                      R"({"x":1})"
                                      "\n"
                                      R"({"index":{"_index":"b","_id":"1"}})"
                                      "\n"
                                      R"({"x":2})"
                                      "\n");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d = Json(r);
  EXPECT_FALSE(d["errors"].GetBool());
  EXPECT_STREQ(d["items"][0]["index"]["_index"].GetString(), "a");
  EXPECT_STREQ(d["items"][1]["index"]["_index"].GetString(), "b");
  EXPECT_TRUE(catalog_->Get("a").ok());
  EXPECT_TRUE(catalog_->Get("b").ok());
}

TEST_F(BulkHandlersTest, AutoIdsAndRefresh) {
  http::Response r = Bulk("/a/_bulk?refresh=true", "{\"index\":{}}\n{\"x\":1}\n");
  rapidjson::Document d = Json(r);
  const auto& item = d["items"][0]["index"];
  EXPECT_EQ(std::string(item["_id"].GetString()).size(), 20u);
  EXPECT_TRUE(item["forced_refresh"].GetBool());
}

TEST_F(BulkHandlersTest, DeleteFromAMissingIndexIsAnItemError) {
  http::Response r = Bulk("/_bulk", R"({"delete":{"_index":"nope","_id":"1"}})"
                                    "\n");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d = Json(r);
  EXPECT_TRUE(d["errors"].GetBool());
  const auto& item = d["items"][0]["delete"];
  EXPECT_EQ(item["status"].GetInt(), 404);
  EXPECT_STREQ(item["error"]["type"].GetString(), "index_not_found_exception");
  EXPECT_FALSE(catalog_->Get("nope").ok());
}

TEST_F(BulkHandlersTest, KnnDimensionMismatchFailsOnlyThatItem) {
  ASSERT_EQ(
      Call(
          "PUT", "/v",
          R"({"settings":{"index.knn":true},"mappings":{"properties":{"e":{"type":"knn_vector","dimension":2}}}})")
          .status,
      200);
  http::Response r = Bulk("/v/_bulk", R"({"index":{"_id":"1"}})"
                                      "\n"
                                      R"({"e":[1,2,3]})"
                                      "\n"
                                      R"({"index":{"_id":"2"}})"
                                      "\n"
                                      R"({"e":[1,2]})"
                                      "\n");
  rapidjson::Document d = Json(r);
  EXPECT_TRUE(d["errors"].GetBool());
  const auto& bad = d["items"][0]["index"];
  EXPECT_EQ(bad["status"].GetInt(), 400);
  EXPECT_STREQ(bad["error"]["reason"].GetString(),
               "failed to parse field [e] of type [knn_vector] in document with id '1'. Preview of "
               "field's value: 'null'");
  EXPECT_STREQ(bad["error"]["caused_by"]["reason"].GetString(),
               "Vector dimension mismatch. Expected: 2, Given: 3");
  EXPECT_EQ(d["items"][1]["index"]["status"].GetInt(), 201);
}

TEST_F(BulkHandlersTest, MalformedSourceFailsOnlyThatItem) {
  http::Response r = Bulk("/a/_bulk", R"({"index":{"_id":"1"}})"
                                      "\n"
                                      "{oops\n"
                                      R"({"index":{"_id":"2"}})"
                                      "\n"
                                      R"({"x":1})"
                                      "\n");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document d = Json(r);
  EXPECT_EQ(d["items"][0]["index"]["status"].GetInt(), 400);
  EXPECT_STREQ(d["items"][0]["index"]["error"]["type"].GetString(), "mapper_parsing_exception");
  EXPECT_EQ(d["items"][1]["index"]["status"].GetInt(), 201);
}

}  // namespace
}  // namespace sluice::api
