#include "index/document_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

Mapping MappingOf(std::string_view json, bool knn = true) {
  auto m = Mapping::Parse(json, knn);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Mapping();
}

ParsedDocument ParseOk(std::string_view source, const Mapping& mapping) {
  auto d = ParseDocument(source, "1", mapping);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : ParsedDocument();
}

util::Status ParseError(std::string_view source, const Mapping& mapping) {
  auto d = ParseDocument(source, "1", mapping);
  EXPECT_FALSE(d.ok()) << "expected an error for " << source;
  return d.ok() ? util::Status() : d.status();
}

std::vector<double> Numbers(const ParsedDocument& d, const std::string& path) {
  std::vector<double> out;
  for (const auto& v : d.values) {
    if (v.path == path && v.kind != IndexedValue::Kind::kString) out.push_back(v.number);
  }
  return out;
}

std::vector<std::string> Strings(const ParsedDocument& d, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& v : d.values) {
    if (v.path == path && v.kind == IndexedValue::Kind::kString) out.push_back(v.text);
  }
  return out;
}

const Mapping& Typed() {
  static const Mapping m = MappingOf(R"({"properties":{
      "n":{"type":"long"},"i":{"type":"integer"},"f":{"type":"float"},"b":{"type":"boolean"},
      "d":{"type":"date"},"k":{"type":"keyword","ignore_above":5},
      "t":{"type":"text","fields":{"raw":{"type":"keyword"}}},
      "author":{"properties":{"name":{"type":"keyword"}}},
      "v":{"type":"knn_vector","dimension":3},
      "vc":{"type":"knn_vector","dimension":2,"method":{"name":"hnsw","engine":"lucene","space_type":"cosinesimil"}},
      "vb":{"type":"knn_vector","dimension":2,"data_type":"byte","engine":"lucene"}}})");
  return m;
}

TEST(DocumentParserTest, StringInIntegerFieldIsMapperParsingException) {
  util::Status s = ParseError(R"({"i":"abc"})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_EQ(s.reason(),
            "failed to parse field [i] of type [integer] in document with id '1'. Preview of "
            "field's value: 'abc'");
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_EQ(s.cause()->type(), "number_format_exception");
  EXPECT_EQ(s.cause()->reason(), "For input string: \"abc\"");
  EXPECT_EQ(s.code(), util::Code::kInvalidArgument);
}

TEST(DocumentParserTest, NumericStringsAreCoerced) {
  ParsedDocument d = ParseOk(R"({"n":"5","f":"2.5","i":7.9})", Typed());
  EXPECT_THAT(Numbers(d, "n"), ElementsAre(5));
  EXPECT_THAT(Numbers(d, "f"), ElementsAre(2.5));
  EXPECT_THAT(Numbers(d, "i"), ElementsAre(7));  // integers truncate decimals
}

TEST(DocumentParserTest, IntegerOutOfRangeFails) {
  util::Status s = ParseError(R"({"i":3000000000})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
}

TEST(DocumentParserTest, ArraysIndexEveryValue) {
  ParsedDocument d = ParseOk(R"({"n":[1,2,[3]]})", Typed());
  EXPECT_THAT(Numbers(d, "n"), ElementsAre(1, 2, 3));
}

TEST(DocumentParserTest, BooleansAcceptTrueFalseAndTheirStrings) {
  ParsedDocument d = ParseOk(R"({"b":[true,"false"]})", Typed());
  EXPECT_THAT(Numbers(d, "b"), ElementsAre(1, 0));
  util::Status s = ParseError(R"({"b":"yes"})", Typed());
  EXPECT_EQ(s.reason(),
            "failed to parse field [b] of type [boolean] in document with id '1'. Preview of "
            "field's value: 'yes'");
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_EQ(s.cause()->reason(),
            "Failed to parse value [yes] as only [true] or [false] are allowed.");
}

TEST(DocumentParserTest, DatesBecomeEpochMillis) {
  ParsedDocument d =
      ParseOk(R"({"d":["2024-05-01","2024-05-01T10:20:30.123Z",1714521600000]})", Typed());
  EXPECT_THAT(Numbers(d, "d"), ElementsAre(1714521600000.0, 1714558830123.0, 1714521600000.0));
  util::Status s = ParseError(R"({"d":"yesterday"})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_EQ(s.reason(),
            "failed to parse field [d] of type [date] in document with id '1'. Preview of "
            "field's value: 'yesterday'");
}

TEST(DocumentParserTest, KeywordIgnoreAboveSkipsLongValues) {
  ParsedDocument d = ParseOk(R"({"k":["short","too long"]})", Typed());
  EXPECT_THAT(Strings(d, "k"), ElementsAre("short"));
}

TEST(DocumentParserTest, TextMultiFieldKeepsTheExactValue) {
  ParsedDocument d = ParseOk(R"({"t":"Quick, Brown fox"})", Typed());
  EXPECT_THAT(Strings(d, "t.raw"), ElementsAre("Quick, Brown fox"));
}

TEST(DocumentParserTest, ObjectFieldsUseDottedPaths) {
  ParsedDocument d = ParseOk(R"({"author":{"name":"Ann"}})", Typed());
  EXPECT_THAT(Strings(d, "author.name"), ElementsAre("Ann"));
  EXPECT_TRUE(d.new_fields.empty());
}

TEST(DocumentParserTest, ConcreteValueForObjectField) {
  util::Status s = ParseError(R"({"author":"Ann"})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_EQ(s.reason(),
            "object mapping for [author] tried to parse field [author] as object, but found a "
            "concrete value");
}

TEST(DocumentParserTest, ObjectForConcreteField) {
  util::Status s = ParseError(R"({"n":{"x":1}})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_THAT(s.reason(), ::testing::StartsWith("failed to parse field [n] of type [long]"));
}

TEST(DocumentParserTest, NullValuesAreSkipped) {
  ParsedDocument d = ParseOk(R"({"n":null,"v":null,"unknown":null})", Typed());
  EXPECT_TRUE(d.values.empty());
  EXPECT_TRUE(d.vectors.empty());
  EXPECT_TRUE(d.new_fields.empty());
}

TEST(DocumentParserTest, KnnVectorIsExtracted) {
  ParsedDocument d = ParseOk(R"({"v":[1,2.5,-3]})", Typed());
  ASSERT_EQ(d.vectors.size(), 1u);
  EXPECT_EQ(d.vectors[0].first, "v");
  EXPECT_THAT(d.vectors[0].second, ElementsAre(1.0f, 2.5f, -3.0f));
}

void ExpectKnnError(std::string_view source, const std::string& field, const std::string& type,
                    const std::string& inner) {
  util::Status s = ParseError(source, Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception") << s.ToString();
  EXPECT_EQ(s.reason(), "failed to parse field [" + field + "] of type [" + type +
                            "] in document with id '1'. Preview of field's value: 'null'");
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_EQ(s.cause()->type(), "illegal_argument_exception");
  if (!inner.empty()) {
    EXPECT_EQ(s.cause()->reason(), inner);
  }
}

TEST(DocumentParserTest, KnnVectorDimensionMismatch) {
  ExpectKnnError(R"({"v":[1,2]})", "v", "knn_vector",
                 "Vector dimension mismatch. Expected: 3, Given: 2");
}

TEST(DocumentParserTest, KnnVectorWithNonNumbers) {
  ExpectKnnError(R"({"v":[1,"a",3]})", "v", "knn_vector", "");
  ExpectKnnError(R"({"v":"1,2,3"})", "v", "knn_vector", "");
}

TEST(DocumentParserTest, KnnVectorWithInfinity) {
  ExpectKnnError(R"({"v":[1,1e400,3]})", "v", "knn_vector", "KNN vector values cannot be infinity");
  // A double that overflows float32 is infinite as a float too.
  ExpectKnnError(R"({"v":[1,1e300,3]})", "v", "knn_vector", "KNN vector values cannot be infinity");
}

TEST(DocumentParserTest, NumberBeyondDoubleRangeIsNotFinite) {
  util::Status s = ParseError(R"({"f":-1e400,"n":1})", Typed());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_THAT(s.reason(), ::testing::StartsWith("failed to parse field [f] of type [float]"));
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_THAT(s.cause()->reason(), ::testing::StartsWith("[float] supports only finite values"));
  // Literal NaN/Infinity tokens are still not JSON.
  EXPECT_EQ(ParseError(R"({"f":Infinity})", Typed()).reason(), "failed to parse");
}

TEST(DocumentParserTest, ZeroVectorWithCosineSimil) {
  ExpectKnnError(R"({"vc":[0,0]})", "vc", "knn_vector",
                 "zero vector is not supported when space type is [cosinesimil]");
  EXPECT_EQ(ParseOk(R"({"v":[0,0,0]})", Typed()).vectors.size(), 1u);  // fine for l2
}

TEST(DocumentParserTest, ByteVectorsMustHoldBytes) {
  ExpectKnnError(R"({"vb":[1.5,2]})", "vb", "knn_vector",
                 "[data_type] field was set as [byte] in index mapping. But, KNN vector values "
                 "are floats instead of byte integers");
  ExpectKnnError(R"({"vb":[1,128]})", "vb", "knn_vector",
                 "[data_type] field was set as [byte] in index mapping. But, KNN vector values "
                 "are not within in the byte range [-128, 127]");
  EXPECT_EQ(ParseOk(R"({"vb":[-128,127]})", Typed()).vectors.size(), 1u);
}

TEST(DocumentParserTest, StrictDynamicRejectsUnknownFields) {
  Mapping m = MappingOf(R"({"dynamic":"strict","properties":{"a":{"type":"keyword"}}})");
  util::Status s = ParseError(R"({"a":"x","b":1})", m);
  EXPECT_EQ(s.type(), "strict_dynamic_mapping_exception");
  EXPECT_EQ(s.reason(),
            "mapping set to strict, dynamic introduction of [b] within [_doc] is not allowed");
}

TEST(DocumentParserTest, DynamicFalseIgnoresUnknownFields) {
  Mapping m = MappingOf(R"({"dynamic":false,"properties":{"a":{"type":"keyword"}}})");
  ParsedDocument d = ParseOk(R"({"a":"x","b":1})", m);
  EXPECT_TRUE(d.new_fields.empty());
  EXPECT_THAT(Strings(d, "a"), ElementsAre("x"));
  EXPECT_TRUE(Numbers(d, "b").empty());
}

TEST(DocumentParserTest, DynamicMappingInfersTypes) {
  Mapping m;
  ParsedDocument d = ParseOk(
      R"({"s":"Hello World","l":3,"f":1.5,"b":true,"d":"2024-05-01","o":{"x":1},"arr":[0.5,1.5]})",
      m);
  EXPECT_THAT(d.new_fields,
              ElementsAre(Pair("s", FieldType::kText), Pair("l", FieldType::kLong),
                          Pair("f", FieldType::kFloat), Pair("b", FieldType::kBoolean),
                          Pair("d", FieldType::kDate), Pair("o", FieldType::kObject),
                          Pair("o.x", FieldType::kLong), Pair("arr", FieldType::kFloat)));
  EXPECT_THAT(Strings(d, "s.keyword"), ElementsAre("Hello World"));
  EXPECT_THAT(Numbers(d, "arr"), ElementsAre(0.5, 1.5));  // floats, not a knn_vector
  EXPECT_TRUE(d.vectors.empty());
}

TEST(DocumentParserTest, InvalidJsonIsMapperParsingException) {
  util::Status s = ParseError(R"({"a":)", Mapping());
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_EQ(s.reason(), "failed to parse");
  ASSERT_NE(s.cause(), nullptr);
}

TEST(DocumentParserTest, NonObjectDocumentIsRejected) {
  EXPECT_EQ(ParseError("[1,2]", Mapping()).type(), "mapper_parsing_exception");
}


}  // namespace
}  // namespace sluice::index
