#include "api/rest_response.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "index/catalog.h"
#include "json/json_writer.h"

namespace sluice::api {
namespace {

http::Request Plain() { return http::Request::Make("GET", "/x"); }

TEST(RestResponseTest, IndexNotFoundBodyIsVerbatimOpenSearch) {
  http::Response r = ErrorResponse(Plain(), index::IndexNotFound("nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json; charset=UTF-8");
  EXPECT_EQ(
      r.body,
      R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [nope]",)"
      R"("index":"nope","resource.id":"nope","resource.type":"index_or_alias","index_uuid":"_na_"}],)"
      R"("type":"index_not_found_exception","reason":"no such index [nope]","index":"nope",)"
      R"("resource.id":"nope","resource.type":"index_or_alias","index_uuid":"_na_"},"status":404})");
}

TEST(RestResponseTest, WrapperOverPlainIllegalArgumentIsTheRootCause) {
  util::Status s =
      util::MapperParsingError("Failed to parse mapping [_doc]: Dimension cannot be null")
          .WithCause(util::InvalidArgument("Dimension cannot be null"));
  http::Response r = ErrorResponse(Plain(), s);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":"Failed to parse mapping [_doc]: Dimension cannot be null"}],)"
      R"("type":"mapper_parsing_exception","reason":"Failed to parse mapping [_doc]: Dimension cannot be null",)"
      R"("caused_by":{"type":"illegal_argument_exception","reason":"Dimension cannot be null"}},"status":400})");
}

TEST(RestResponseTest, InnerMapperParsingExceptionIsTheRootCause) {
  const std::string inner = "unknown parameter [foo] on mapper [v] of type [knn_vector]";
  util::Status s = util::MapperParsingError("Failed to parse mapping [_doc]: " + inner)
                       .WithCause(util::MapperParsingError(inner));
  http::Response r = ErrorResponse(Plain(), s);
  EXPECT_EQ(
      r.body,
      R"({"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":")" + inner +
          R"("}],"type":"mapper_parsing_exception","reason":"Failed to parse mapping [_doc]: )" +
          inner + R"(","caused_by":{"type":"mapper_parsing_exception","reason":")" + inner +
          R"("}},"status":400})");
}

TEST(RestResponseTest, ValidationExceptionIsNotARootCause) {
  util::Status s = util::MapperParsingError("Failed to parse mapping [_doc]: x")
                       .WithCause(util::Status(util::Code::kInvalidArgument, "validation_exception",
                                               "Validation Failed: 1: x;"));
  rapidjson::Document d;
  d.Parse(ErrorResponse(Plain(), s).body.c_str());
  EXPECT_STREQ(d["error"]["root_cause"][0]["type"].GetString(), "mapper_parsing_exception");
}

TEST(RestResponseTest, ShardFailureRootCauseIsTheQueryShardException) {
  util::Status shard(util::Code::kInvalidArgument, "query_shard_exception",
                     "failed to create query: Field 'f' is not knn_vector type.");
  shard.WithMetadata("index", "i").WithMetadata("index_uuid", "u");
  shard.WithCause(util::InvalidArgument("Field 'f' is not knn_vector type."));
  util::Status s = util::Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                                "all shards failed")
                       .WithMetadata("phase", "query")
                       .WithMetadata("grouped", "true")
                       .WithCause(shard);
  http::Response r = ErrorResponse(Plain(), s);
  EXPECT_EQ(r.status, 400);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  const auto& root = d["error"]["root_cause"][0];
  EXPECT_STREQ(root["type"].GetString(), "query_shard_exception");
  EXPECT_STREQ(root["index"].GetString(), "i");
  EXPECT_FALSE(root.HasMember("caused_by"));
  EXPECT_TRUE(d["error"]["grouped"].IsBool());  // "true" metadata renders as a JSON boolean
  EXPECT_STREQ(d["error"]["phase"].GetString(), "query");
  EXPECT_STREQ(d["error"]["caused_by"]["caused_by"]["type"].GetString(),
               "illegal_argument_exception");
  EXPECT_EQ(d["status"].GetInt(), 400);
}

TEST(RestResponseTest, MetadataKeepsItsOrderAtTopAndInRootCause) {
  util::Status s(util::Code::kConflict, "version_conflict_engine_exception",
                 "[1]: version conflict, document already exists (current version [1])",
                 {{"index", "i"}, {"shard", "0"}, {"index_uuid", "u"}});
  http::Response r = ErrorResponse(Plain(), s);
  EXPECT_EQ(r.status, 409);
  const std::string fields =
      R"x("type":"version_conflict_engine_exception","reason":"[1]: version conflict, document )x"
      R"x(already exists (current version [1])","index":"i","shard":"0","index_uuid":"u")x";
  EXPECT_EQ(r.body,
            R"({"error":{"root_cause":[{)" + fields + "}]," + fields + R"(},"status":409})");
}

TEST(RestResponseTest, HttpStatusPerCode) {
  using util::Code;
  auto status_of = [](Code c) { return HttpStatus(util::Status(c, "t", "r")); };
  EXPECT_EQ(status_of(Code::kInvalidArgument), 400);
  EXPECT_EQ(status_of(Code::kNotFound), 404);
  EXPECT_EQ(status_of(Code::kAlreadyExists), 400);  // resource_already_exists_exception
  EXPECT_EQ(status_of(Code::kConflict), 409);
  EXPECT_EQ(status_of(Code::kForbidden), 403);
  EXPECT_EQ(status_of(Code::kUnauthorized), 401);
  EXPECT_EQ(status_of(Code::kTooLarge), 413);
  EXPECT_EQ(status_of(Code::kTooManyRequests), 429);
  EXPECT_EQ(status_of(Code::kUnavailable), 503);
  EXPECT_EQ(status_of(Code::kTimeout), 408);
  EXPECT_EQ(status_of(Code::kIoError), 500);
  EXPECT_EQ(status_of(Code::kInternal), 500);
  EXPECT_EQ(HttpStatus(util::Status()), 200);
}

TEST(RestResponseTest, ErrorObjectHasNoRootCauseOrStatus) {
  json::JsonWriter w;
  WriteErrorObject(w, util::NotFound("document_missing_exception", "[x]: document missing")
                          .WithMetadata("index", "movies")
                          .WithMetadata("shard", "0"));
  EXPECT_EQ(w.Take(), R"({"type":"document_missing_exception","reason":"[x]: document missing",)"
                      R"("index":"movies","shard":"0"})");
}

TEST(RestResponseTest, PrettyIndentsTheSameValue) {
  http::Request pretty = http::Request::Make("GET", "/x?pretty");
  http::Response r = JsonResponse(pretty, 200, R"({"a":[1,{"b":"c"}]})");
  EXPECT_NE(r.body.find('\n'), std::string::npos);
  EXPECT_NE(r.body.find("  \"a\""), std::string::npos) << r.body;
  rapidjson::Document d, expected;
  d.Parse(r.body.c_str());
  expected.Parse(R"({"a":[1,{"b":"c"}]})");
  EXPECT_TRUE(d == expected);
  EXPECT_EQ(JsonResponse(Plain(), 201, R"({"a":1})").body, R"({"a":1})");
  EXPECT_EQ(JsonResponse(http::Request::Make("GET", "/x?pretty=false"), 200, R"({"a":1})").body,
            R"({"a":1})");
  EXPECT_NE(ErrorResponse(pretty, index::IndexNotFound("x")).body.find('\n'), std::string::npos);
}

TEST(RestResponseTest, FlagParam) {
  EXPECT_TRUE(FlagParam(http::Request::Make("GET", "/x?v"), "v"));
  EXPECT_TRUE(FlagParam(http::Request::Make("GET", "/x?v=true"), "v"));
  EXPECT_FALSE(FlagParam(http::Request::Make("GET", "/x?v=false"), "v"));
  EXPECT_FALSE(FlagParam(http::Request::Make("GET", "/x"), "v"));
}

}  // namespace
}  // namespace sluice::api
