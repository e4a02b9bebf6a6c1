// ParseRecordFields must give exactly what ParseDocument gives for the same
// document as JSON text: batch ingestion's typed documents and _bulk's are
// the same documents.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "index/document_parser.h"

namespace sluice::index {
namespace {

Mapping MappingOf(std::string_view json) {
  auto m = Mapping::Parse(json, true);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Mapping();
}

// Parses `json` (an object) with simdjson and runs ParseRecordFields over its
// members, as the record mapper hands them over (nulls left out).
util::Result<ParsedDocument> ParseAsRecord(const std::string& json, const Mapping& mapping) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  std::vector<simdjson::dom::element> values;
  std::vector<std::string> names;
  for (auto [key, value] : root.get_object()) {
    if (value.is_null()) continue;
    names.emplace_back(key);
    values.push_back(value);
  }
  std::vector<RecordField> fields;
  for (size_t i = 0; i < values.size(); ++i) fields.push_back({names[i], &values[i]});
  return ParseRecordFields(json, fields, "r1", mapping);
}

void ExpectSame(const std::string& json, const Mapping& mapping) {
  SCOPED_TRACE(json);
  auto text = ParseDocument(json, "r1", mapping);
  auto record = ParseAsRecord(json, mapping);
  ASSERT_EQ(text.ok(), record.ok()) << (text.ok() ? record.status() : text.status()).ToString();
  if (!text.ok()) {
    EXPECT_EQ(text.status().ToString(), record.status().ToString());
    return;
  }
  ASSERT_EQ(text->values.size(), record->values.size());
  for (size_t i = 0; i < text->values.size(); ++i) {
    EXPECT_EQ(text->values[i].path, record->values[i].path);
    EXPECT_EQ(text->values[i].kind, record->values[i].kind);
    EXPECT_EQ(text->values[i].text, record->values[i].text);
    EXPECT_EQ(text->values[i].number, record->values[i].number);
  }
  EXPECT_EQ(text->vectors, record->vectors);
  EXPECT_EQ(text->texts, record->texts);
  EXPECT_EQ(text->new_fields, record->new_fields);
}

const char kMapping[] = R"({"properties":{
    "n":{"type":"long"},"i":{"type":"integer"},"f":{"type":"float"},"b":{"type":"boolean"},
    "d":{"type":"date"},"k":{"type":"keyword","ignore_above":5},
    "t":{"type":"text","fields":{"raw":{"type":"keyword"}}},
    "author":{"properties":{"name":{"type":"keyword"}}},
    "v":{"type":"knn_vector","dimension":3},
    "vc":{"type":"knn_vector","dimension":2,"method":{"name":"hnsw","engine":"lucene","space_type":"cosinesimil"}},
    "vb":{"type":"knn_vector","dimension":2,"data_type":"byte"}}})";

TEST(DocumentParserRecordTest, TypedFieldsMatchTheTextParse) {
  Mapping mapping = MappingOf(kMapping);
  for (std::string json : {
           R"({"n":12,"i":"7","f":1.5,"b":true,"d":"2024-01-02","k":"abc","t":"Hello World"})",
           R"({"n":[1,2,[3]],"b":"false","d":1700000000000,"k":"toolong","t":["a","b"]})",
           R"({"author":{"name":"x"},"v":[0.25,1e-3,-7],"vc":[1,0],"vb":[-128,127]})",
           R"({"n":9.75,"f":3,"t":42,"k":true,"v":null,"other":null})",
           R"({"new_text":"some words","new_num":3,"new_float":2.5,"new_obj":{"x":true},
               "new_date":"2020-05-05","new_arr":[null,7],"new_big":18446744073709551615})",
       }) {
    ExpectSame(json, mapping);
  }
}

TEST(DocumentParserRecordTest, ErrorsMatchTheTextParse) {
  Mapping mapping = MappingOf(kMapping);
  for (std::string json : {
           R"({"n":"abc"})",
           R"({"i":3000000000})",
           R"({"b":1})",
           R"({"d":"yesterday"})",
           R"({"n":{"a":1}})",
           R"({"author":"flat"})",
           R"({"v":[1,2]})",
           R"({"v":[1,"2",3]})",
           R"({"v":"1,2,3"})",
           R"({"vc":[0,0]})",
           R"({"vb":[1.5,2]})",
           R"({"vb":[300,2]})",
           R"({"":1})",
           R"({"n":[true]})",
       }) {
    ExpectSame(json, mapping);
  }
}

TEST(DocumentParserRecordTest, StrictAndFalseDynamicMappings) {
  ExpectSame(R"({"known":"a","unknown":1})",
             MappingOf(R"({"dynamic":"strict","properties":{"known":{"type":"keyword"}}})"));
  ExpectSame(R"({"known":"a","unknown":1})",
             MappingOf(R"({"dynamic":false,"properties":{"known":{"type":"keyword"}}})"));
}

TEST(DocumentParserRecordTest, NestingBeyondTheLimitIsRefused) {
  std::string deep = "{\"a\":" + std::string(1001, '[') + std::string(1001, ']') + "}";
  auto record = ParseRecordFields(deep, {}, "r1", Mapping());
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().type(), "mapper_parsing_exception");
}

}  // namespace
}  // namespace sluice::index
