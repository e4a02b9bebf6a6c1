// Single-document REST endpoints through the real router (rest-api.md §5).
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class DocumentHandlersTest : public ApiTest {
 protected:
  std::string ErrorType(const http::Response& r) {
    rapidjson::Document d = Json(r);
    if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject()) return "<none>";
    EXPECT_EQ(d["status"].GetInt(), r.status);
    return d["error"]["type"].GetString();
  }
};

TEST_F(DocumentHandlersTest, IndexCreatesThenUpdates) {
  http::Response r = Call("PUT", "/books/_doc/1", R"({"title":"a"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body,
            R"({"_index":"books","_id":"1","_version":1,"result":"created",)"
            R"("_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1})");
  http::Response again = Call("POST", "/books/_doc/1", R"({"title":"b"})");
  EXPECT_EQ(again.status, 200);
  rapidjson::Document d = Json(again);
  EXPECT_STREQ(d["result"].GetString(), "updated");
  EXPECT_EQ(d["_version"].GetInt(), 2);
  EXPECT_EQ(d["_seq_no"].GetInt(), 1);
}

TEST_F(DocumentHandlersTest, PostWithoutIdGeneratesOne) {
  http::Response r = Call("POST", "/books/_doc", R"({"title":"a"})");
  EXPECT_EQ(r.status, 201);
  rapidjson::Document d = Json(r);
  EXPECT_EQ(std::string(d["_id"].GetString()).size(), 20u);
}

TEST_F(DocumentHandlersTest, RefreshAddsForcedRefresh) {
  rapidjson::Document d = Json(Call("PUT", "/books/_doc/1?refresh=true", R"({"a":1})"));
  EXPECT_TRUE(d["forced_refresh"].GetBool());
  EXPECT_FALSE(Json(Call("PUT", "/books/_doc/2", R"({"a":1})")).HasMember("forced_refresh"));
  EXPECT_TRUE(Json(Call("PUT", "/books/_doc/3?refresh", R"({"a":1})"))["forced_refresh"].GetBool());
  // wait_for waits for a refresh instead of forcing one.
  EXPECT_FALSE(Json(Call("PUT", "/books/_doc/4?refresh=wait_for", R"({"a":1})"))
                   .HasMember("forced_refresh"));
  EXPECT_FALSE(
      Json(Call("PUT", "/books/_doc/5?refresh=false", R"({"a":1})")).HasMember("forced_refresh"));
}

TEST_F(DocumentHandlersTest, CreateOnExistingIdIs409) {
  ASSERT_EQ(Call("PUT", "/books/_create/1", R"({"a":1})").status, 201);
  http::Response r = Call("PUT", "/books/_create/1", R"({"a":2})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorType(r), "version_conflict_engine_exception");
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["reason"].GetString(),
               "[1]: version conflict, document already exists (current version [1])");
  EXPECT_STREQ(d["error"]["index"].GetString(), "books");
  EXPECT_EQ(Call("PUT", "/books/_doc/1?op_type=create", R"({"a":2})").status, 409);
}

TEST_F(DocumentHandlersTest, GetWithAVersionReadsOnlyThatVersion) {
  ASSERT_EQ(Call("PUT", "/books/_doc/1", R"({"a":1})").status, 201);
  ASSERT_EQ(Call("PUT", "/books/_doc/1", R"({"a":2})").status, 200);
  EXPECT_EQ(Call("GET", "/books/_doc/1?version=2&version_type=external").status, 200);
  http::Response r = Call("GET", "/books/_doc/1?version=1");
  EXPECT_EQ(r.status, 409);
  EXPECT_STREQ(Json(r)["error"]["reason"].GetString(),
               "[1]: version conflict, current version [2] is different than the one provided [1]");
}

TEST_F(DocumentHandlersTest, ExternalVersionsOnIndexAndTheirValidation) {
  EXPECT_EQ(Json(Call("PUT", "/books/_doc/1?version=5&version_type=external", "{}"))["_version"]
                .GetInt(),
            5);
  EXPECT_EQ(Call("PUT", "/books/_doc/1?version=5&version_type=external", "{}").status, 409);
  http::Response create = Call("PUT", "/books/_create/2?version=5&version_type=external", "{}");
  EXPECT_EQ(create.status, 400);
  EXPECT_STREQ(Json(create)["error"]["reason"].GetString(),
               "Validation Failed: 1: create operations only support internal versioning. use "
               "index instead;");
  EXPECT_EQ(Call("PUT", "/books/_doc/3?version_type=sometimes", "{}").status, 400);
}

TEST_F(DocumentHandlersTest, MgetRefusesTheRemovedUnderscoreParameters) {
  ASSERT_EQ(Call("PUT", "/books/_doc/1", R"({"a":1})").status, 201);
  EXPECT_EQ(Call("POST", "/_mget", R"({"docs":[{"_index":"books","_id":"1","routing":"r"}]})")
                .status,
            200);
  for (const char* key : {"_routing", "_version"}) {
    http::Response r = Call(
        "POST", "/_mget",
        std::string(R"({"docs":[{"_index":"books","_id":"1",")") + key + R"(":"1"}]})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(ErrorType(r), "parse_exception");
    EXPECT_EQ(std::string(Json(r)["error"]["reason"].GetString()),
              std::string("failed to parse multi get request. unknown field [") + key + "]");
  }
}

TEST_F(DocumentHandlersTest, GetFoundAndNotFound) {
  Call("PUT", "/books/_doc/1", R"({"title":"a","n":1})");
  http::Response found = Call("GET", "/books/_doc/1");
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body, R"({"_index":"books","_id":"1","_version":1,"_seq_no":0,"_primary_term":1,)"
                        R"("found":true,"_source":{"title":"a","n":1}})");
  http::Response missing = Call("GET", "/books/_doc/2");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"_index":"books","_id":"2","found":false})");
}

TEST_F(DocumentHandlersTest, GetFromMissingIndexIsIndexNotFound) {
  http::Response r = Call("GET", "/nope/_doc/1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorType(r), "index_not_found_exception");
}

TEST_F(DocumentHandlersTest, SourceParameters) {
  Call("PUT", "/books/_doc/1", R"({"title":"a","n":1,"o":{"x":1,"y":2}})");
  EXPECT_EQ(Json(Call("GET", "/books/_doc/1?_source=false")).HasMember("_source"), false);
  EXPECT_NE(Call("GET", "/books/_doc/1?_source=title").body.find(R"("_source":{"title":"a"})"),
            std::string::npos);
  EXPECT_NE(Call("GET", "/books/_doc/1?_source_excludes=o.y,n")
                .body.find(R"("_source":{"title":"a","o":{"x":1}})"),
            std::string::npos);
  http::Response source = Call("GET", "/books/_source/1?_source_includes=o.x");
  EXPECT_EQ(source.status, 200);
  EXPECT_EQ(source.body, R"({"o":{"x":1}})");
  EXPECT_EQ(Call("GET", "/books/_source/9").status, 404);
}

TEST_F(DocumentHandlersTest, HeadReportsExistenceWithoutBody) {
  Call("PUT", "/books/_doc/1", R"({"a":1})");
  http::Response yes = Call("HEAD", "/books/_doc/1");
  EXPECT_EQ(yes.status, 200);
  EXPECT_TRUE(yes.body.empty());
  EXPECT_EQ(Call("HEAD", "/books/_doc/2").status, 404);
  EXPECT_EQ(Call("HEAD", "/nope/_doc/1").status, 404);
}

TEST_F(DocumentHandlersTest, DeleteMissingIs404WithANormalBody) {
  Call("PUT", "/books/_doc/1", R"({"a":1})");
  http::Response deleted = Call("DELETE", "/books/_doc/1");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_STREQ(Json(deleted)["result"].GetString(), "deleted");
  EXPECT_EQ(Json(deleted)["_version"].GetInt(), 2);
  http::Response missing = Call("DELETE", "/books/_doc/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"_index":"books","_id":"x","_version":1,"result":"not_found",)"
            R"("_shards":{"total":2,"successful":1,"failed":0},"_seq_no":2,"_primary_term":1})");
  http::Response no_index = Call("DELETE", "/nope/_doc/1");
  EXPECT_EQ(no_index.status, 404);
  EXPECT_EQ(ErrorType(no_index), "index_not_found_exception");
  EXPECT_FALSE(catalog_->Get("nope").ok());
}

TEST_F(DocumentHandlersTest, UpdateMergesAndReportsNoop) {
  Call("PUT", "/books/_doc/1", R"({"a":1,"b":{"c":1}})");
  http::Response r = Call("POST", "/books/_update/1", R"({"doc":{"b":{"d":2}}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_STREQ(Json(r)["result"].GetString(), "updated");
  EXPECT_NE(Call("GET", "/books/_doc/1").body.find(R"("_source":{"a":1,"b":{"c":1,"d":2}})"),
            std::string::npos);
  http::Response noop = Call("POST", "/books/_update/1", R"({"doc":{"a":1}})");
  EXPECT_EQ(noop.status, 200);
  EXPECT_EQ(noop.body,
            R"({"_index":"books","_id":"1","_version":2,"result":"noop",)"
            R"("_shards":{"total":0,"successful":0,"failed":0},"_seq_no":1,"_primary_term":1})");
}

TEST_F(DocumentHandlersTest, UpdateOfMissingDocumentIs404) {
  Call("PUT", "/books/_doc/1", R"({"a":1})");
  http::Response r = Call("POST", "/books/_update/x", R"({"doc":{"a":1}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorType(r), "document_missing_exception");
  EXPECT_STREQ(Json(r)["error"]["reason"].GetString(), "[x]: document missing");
  http::Response upsert =
      Call("POST", "/books/_update/x", R"({"doc":{"a":1},"doc_as_upsert":true})");
  EXPECT_EQ(upsert.status, 201);
  EXPECT_STREQ(Json(upsert)["result"].GetString(), "created");
}

TEST_F(DocumentHandlersTest, IfSeqNoMismatchIs409) {
  Call("PUT", "/books/_doc/1", R"({"a":1})");
  http::Response r = Call("PUT", "/books/_doc/1?if_seq_no=7&if_primary_term=1", R"({"a":2})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorType(r), "version_conflict_engine_exception");
  EXPECT_EQ(Call("PUT", "/books/_doc/1?if_seq_no=0&if_primary_term=1", R"({"a":2})").status, 200);
  EXPECT_EQ(Call("PUT", "/books/_doc/1?if_seq_no=abc", R"({"a":2})").status, 400);
}

TEST_F(DocumentHandlersTest, BodyErrors) {
  http::Response empty = Call("PUT", "/books/_doc/1", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(ErrorType(empty), "parse_exception");
  EXPECT_STREQ(Json(empty)["error"]["reason"].GetString(), "request body is required");
  http::Response bad = Call("PUT", "/books/_doc/1", "{nope");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorType(bad), "mapper_parsing_exception");
}

TEST_F(DocumentHandlersTest, MappingErrorsAre400WithCause) {
  ASSERT_EQ(Call("PUT", "/nums", R"({"mappings":{"properties":{"n":{"type":"integer"}}}})").status,
            200);
  http::Response r = Call("PUT", "/nums/_doc/1", R"({"n":"abc"})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["error"]["root_cause"][0]["type"].GetString(), "mapper_parsing_exception");
  EXPECT_STREQ(d["error"]["reason"].GetString(),
               "failed to parse field [n] of type [integer] in document with id '1'. Preview of "
               "field's value: 'abc'");
  EXPECT_STREQ(d["error"]["caused_by"]["type"].GetString(), "number_format_exception");
}

TEST_F(DocumentHandlersTest, InvalidIndexNameOnAutoCreate) {
  http::Response r = Call("PUT", "/Books/_doc/1", R"({"a":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorType(r), "invalid_index_name_exception");
}

}  // namespace
}  // namespace sluice::api
