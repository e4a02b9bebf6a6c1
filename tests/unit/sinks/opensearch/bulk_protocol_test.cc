#include "sinks/opensearch/bulk_protocol.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace sluice::sinks::opensearch {
namespace {

TEST(BulkProtocolTest, IndexActionCarriesEscapedIdAndSourceOnTheirOwnLines) {
  std::string body;
  AppendBulkAction({"a\"b\\c\n", R"({"x":1})", std::nullopt}, &body);
  AppendBulkAction({"2", R"({"y":[1,2]})", std::nullopt}, &body);
  EXPECT_EQ(body,
            "{\"index\":{\"_id\":\"a\\\"b\\\\c\\n\"}}\n{\"x\":1}\n"
            "{\"index\":{\"_id\":\"2\"}}\n{\"y\":[1,2]}\n");
}

TEST(BulkProtocolTest, AnUpsertDocumentIsAnUpdateWithDocAndUpsert) {
  std::string body;
  AppendBulkAction({"7", R"({"t":[1,2]})", R"({"t":[1,2],"c":null})"}, &body);
  EXPECT_EQ(body,
            "{\"update\":{\"_id\":\"7\"}}\n"
            "{\"doc\":{\"t\":[1,2]},\"upsert\":{\"t\":[1,2],\"c\":null}}\n");
}

TEST(BulkProtocolTest, ItemsKeepOrderAndTellRejectedFromFailed) {
  const char* body = R"({"took":3,"errors":true,"items":[
    {"index":{"_index":"i","_id":"1","status":201,"result":"created"}},
    {"index":{"_index":"i","_id":"2","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},
    {"index":{"_index":"i","_id":"3","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse","caused_by":{"type":"illegal_argument_exception","reason":"Vector dimension mismatch. Expected: 4, Given: 3"}}}},
    {"index":{"_index":"i","_id":"4","status":503,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}}
  ]})";
  auto items = ParseBulkItems(body, 4);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 4u);
  EXPECT_TRUE((*items)[0].status.ok());
  EXPECT_FALSE((*items)[0].rejected);
  EXPECT_TRUE((*items)[1].rejected);
  EXPECT_FALSE((*items)[2].rejected);
  EXPECT_EQ((*items)[2].status.ToString(),
            "mapper_parsing_exception: failed to parse (caused by illegal_argument_exception: "
            "Vector dimension mismatch. Expected: 4, Given: 3)");
  EXPECT_EQ((*items)[2].status.code(), util::Code::kInvalidArgument);
  EXPECT_TRUE((*items)[3].rejected) << "es_rejected_execution_exception under any status";
}

TEST(BulkProtocolTest, ItemCountMismatchOrGarbageIsAnUnavailableError) {
  auto short_response = ParseBulkItems(R"({"items":[{"index":{"status":201}}]})", 2);
  EXPECT_EQ(short_response.status().code(), util::Code::kUnavailable);
  EXPECT_EQ(ParseBulkItems("<html>", 1).status().code(), util::Code::kUnavailable);
  EXPECT_EQ(ParseBulkItems(R"({"items":[{"index":{}}]})", 1).status().code(),
            util::Code::kUnavailable);
}

TEST(BulkProtocolTest, SchemaListsTopLevelFieldsAndNestedKnnVectorsWithDimensions) {
  const char* body = R"({"docs":{"aliases":{},"mappings":{"properties":{
    "title":{"type":"text"},
    "emb":{"type":"knn_vector","dimension":384,"method":{"name":"hnsw"}},
    "meta":{"properties":{"v":{"type":"knn_vector","dimension":8},"n":{"type":"long"}}}
  }},"settings":{}}})";
  auto schema = ParseIndexSchema(body, "docs");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->top_level_fields, (std::vector<std::string>{"title", "emb", "meta"}));
  ASSERT_EQ(schema->vector_fields.size(), 2u);
  EXPECT_EQ(schema->vector_fields[0].name, "emb");
  EXPECT_EQ(schema->vector_fields[0].dimension, 384);
  EXPECT_EQ(schema->vector_fields[1].name, "meta.v");
  EXPECT_EQ(schema->vector_fields[1].dimension, 8);
}

TEST(BulkProtocolTest, SchemaOfAnAliasIsTheSingleConcreteIndex) {
  auto schema = ParseIndexSchema(
      R"({"docs-v2":{"mappings":{"properties":{"e":{"type":"knn_vector","dimension":2}}}}})",
      "docs");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->vector_fields.at(0).name, "e");
  auto several = ParseIndexSchema(R"({"a":{"mappings":{}},"b":{"mappings":{}}})", "docs");
  EXPECT_EQ(several.status().code(), util::Code::kInvalidArgument);
}

TEST(BulkProtocolTest, ErrorResponsesBecomeStatusesWithTheClustersTypeAndReason) {
  util::Status s = ErrorFromResponse(
      401,
      R"({"error":{"root_cause":[],"type":"security_exception","reason":"authentication failed"},"status":401})");
  EXPECT_EQ(s.code(), util::Code::kUnauthorized);
  EXPECT_EQ(s.ToString(), "security_exception: authentication failed");
  util::Status plain = ErrorFromResponse(403, "Forbidden");
  EXPECT_EQ(plain.code(), util::Code::kForbidden);
  EXPECT_EQ(plain.reason(), "the cluster answered HTTP 403: Forbidden");
  EXPECT_EQ(ErrorFromResponse(401, "").type(), "security_exception");
  EXPECT_EQ(ErrorFromResponse(503, "").code(), util::Code::kUnavailable);
}

TEST(BulkProtocolTest, GzipRoundTripsThroughZlib) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "{\"index\":{\"_id\":\"" + std::to_string(i) + "\"}}\n";
  auto gz = Gzip(text);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), text.size());
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(text.size() + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(gz->data());
  z.avail_in = static_cast<uInt>(gz->size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace sluice::sinks::opensearch
