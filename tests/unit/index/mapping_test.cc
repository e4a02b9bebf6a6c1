#include "index/mapping.h"

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

Mapping ParseOk(std::string_view json, bool knn = false) {
  auto m = Mapping::Parse(json, knn);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Mapping();
}

TEST(MappingTest, ParsesLeafTypesByFullPath) {
  Mapping m = ParseOk(R"({"properties":{
      "title":{"type":"text"},"tag":{"type":"keyword","ignore_above":10},
      "n":{"type":"long"},"price":{"type":"float"},"ok":{"type":"boolean"},
      "when":{"type":"date"},"hidden":{"type":"keyword","index":false}}})");
  ASSERT_NE(m.Find("title"), nullptr);
  EXPECT_EQ(m.Find("title")->type, FieldType::kText);
  EXPECT_EQ(m.Find("tag")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("tag")->ignore_above, 10);
  EXPECT_EQ(m.Find("n")->type, FieldType::kLong);
  EXPECT_EQ(m.Find("price")->type, FieldType::kFloat);
  EXPECT_EQ(m.Find("ok")->type, FieldType::kBoolean);
  EXPECT_EQ(m.Find("when")->type, FieldType::kDate);
  EXPECT_FALSE(m.Find("hidden")->index);
  EXPECT_EQ(m.Find("missing"), nullptr);
  EXPECT_EQ(m.dynamic(), DynamicMode::kTrue);
}

TEST(MappingTest, MultiFieldsAreFieldsUnderTheirParent) {
  Mapping m = ParseOk(R"({"properties":{"title":{"type":"text",
      "fields":{"raw":{"type":"keyword","ignore_above":256},"len":{"type":"long"}}}}})");
  ASSERT_NE(m.Find("title.raw"), nullptr);
  EXPECT_EQ(m.Find("title.raw")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("title.raw")->ignore_above, 256);
  EXPECT_EQ(m.Find("title.len")->type, FieldType::kLong);
}

TEST(MappingTest, ObjectsWithAndWithoutExplicitTypeNestTheirProperties) {
  Mapping m = ParseOk(R"({"properties":{
      "author":{"properties":{"name":{"type":"keyword"},"address":{"properties":{"city":{"type":"text"}}}}},
      "meta":{"type":"object","properties":{"k":{"type":"long"}}}}})");
  EXPECT_EQ(m.Find("author")->type, FieldType::kObject);
  EXPECT_EQ(m.Find("author.name")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("author.address")->type, FieldType::kObject);
  EXPECT_EQ(m.Find("author.address.city")->type, FieldType::kText);
  EXPECT_EQ(m.Find("meta")->type, FieldType::kObject);
  EXPECT_EQ(m.Find("meta.k")->type, FieldType::kLong);
}

TEST(MappingTest, AcceptsMappingsWrappedInDocType) {
  Mapping m = ParseOk(R"({"_doc":{"properties":{"n":{"type":"long"}}}})");
  ASSERT_NE(m.Find("n"), nullptr);
}

TEST(MappingTest, UnknownTypeIsMapperParsingException) {
  auto m = Mapping::Parse(R"({"properties":{"f":{"type":"foo"}}})", false);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(m.status().reason(), "No handler for type [foo] declared on field [f]");
}

TEST(MappingTest, UnknownParameterNamesParameterMapperAndType) {
  auto m = Mapping::Parse(R"({"properties":{"f":{"type":"long","foo":1}}})", false);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(m.status().reason(), "unknown parameter [foo] on mapper [f] of type [long]");
}

TEST(MappingTest, PropertiesOnALeafIsAnUnknownParameter) {
  auto m = Mapping::Parse(R"({"properties":{"f":{"type":"keyword","properties":{}}}})", false);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().reason(), "unknown parameter [properties] on mapper [f] of type [keyword]");
}

TEST(MappingTest, UnsupportedRootParameterIsRejected) {
  auto m = Mapping::Parse(R"({"foo":1})", false);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(m.status().reason(), "Root mapping definition has unsupported parameters:  [foo : 1]");
}

TEST(MappingTest, ParsesDynamicModes) {
  EXPECT_EQ(ParseOk(R"({"dynamic":"strict"})").dynamic(), DynamicMode::kStrict);
  EXPECT_EQ(ParseOk(R"({"dynamic":false})").dynamic(), DynamicMode::kFalse);
  EXPECT_EQ(ParseOk(R"({"dynamic":"false"})").dynamic(), DynamicMode::kFalse);
  EXPECT_EQ(ParseOk(R"({"dynamic":true})").dynamic(), DynamicMode::kTrue);
  EXPECT_FALSE(Mapping::Parse(R"({"dynamic":"sometimes"})", false).ok());
}

TEST(MappingTest, MergeAddsNewFieldsAndKeepsOldOnes) {
  Mapping m = ParseOk(R"({"properties":{"author":{"properties":{"name":{"type":"keyword"}}}}})");
  ASSERT_TRUE(m.Merge(R"({"properties":{"n":{"type":"long"},
      "author":{"properties":{"age":{"type":"integer"}}}}})",
                      false)
                  .ok());
  EXPECT_EQ(m.Find("author.name")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("author.age")->type, FieldType::kInteger);
  EXPECT_EQ(m.Find("n")->type, FieldType::kLong);
  EXPECT_EQ(m.ToJson(), R"({"properties":{"author":{"properties":{"name":{"type":"keyword"},)"
                        R"("age":{"type":"integer"}}},"n":{"type":"long"}}})");
}

TEST(MappingTest, MergeChangingATypeFailsAndLeavesMappingUnchanged) {
  Mapping m = ParseOk(R"({"properties":{"f":{"type":"long"}}})");
  std::string before = m.ToJson();
  util::Status s = m.Merge(R"({"properties":{"g":{"type":"keyword"},"f":{"type":"text"}}})", false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_EQ(s.reason(), "mapper [f] cannot be changed from type [long] to [text]");
  EXPECT_EQ(m.ToJson(), before);
  EXPECT_EQ(m.Find("g"), nullptr);
}

TEST(MappingTest, MergeConflictNamesTheFullPath) {
  Mapping m = ParseOk(R"({"properties":{"a":{"properties":{"b":{"type":"keyword"}}}}})");
  util::Status s = m.Merge(R"({"properties":{"a":{"properties":{"b":{"type":"long"}}}}})", false);
  EXPECT_EQ(s.reason(), "mapper [a.b] cannot be changed from type [keyword] to [long]");
}

TEST(MappingTest, MergeKeepsExistingMultiFields) {
  Mapping m;
  m.AddDynamic("title", FieldType::kText);
  ASSERT_TRUE(
      m.Merge(R"({"properties":{"title":{"type":"text","fields":{"raw":{"type":"keyword"}}}}})",
              false)
          .ok());
  EXPECT_NE(m.Find("title.keyword"), nullptr);
  EXPECT_NE(m.Find("title.raw"), nullptr);
  // What is rendered (and persisted) still has both subfields.
  auto reparsed = Mapping::Parse(m.ToJson(), false);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_NE(reparsed->Find("title.keyword"), nullptr) << m.ToJson();
  EXPECT_NE(reparsed->Find("title.raw"), nullptr) << m.ToJson();
}

TEST(MappingTest, MergeWithSameTypeSucceeds) {
  Mapping m = ParseOk(R"({"properties":{"f":{"type":"long"}}})");
  EXPECT_TRUE(m.Merge(R"({"properties":{"f":{"type":"long"}}})", false).ok());
}

TEST(MappingTest, DynamicStringBecomesTextWithKeywordSubfield) {
  Mapping m;
  m.AddDynamic("title", FieldType::kText);
  EXPECT_EQ(m.Find("title")->type, FieldType::kText);
  ASSERT_NE(m.Find("title.keyword"), nullptr);
  EXPECT_EQ(m.Find("title.keyword")->type, FieldType::kKeyword);
  EXPECT_EQ(m.Find("title.keyword")->ignore_above, 256);
  EXPECT_EQ(m.ToJson(), R"({"properties":{"title":{"type":"text","fields":{"keyword":)"
                        R"({"type":"keyword","ignore_above":256}}}}})");
}

TEST(MappingTest, DynamicDottedPathCreatesIntermediateObjects) {
  Mapping m;
  m.AddDynamic("a", FieldType::kObject);
  m.AddDynamic("a.b", FieldType::kLong);
  m.AddDynamic("a.c", FieldType::kBoolean);
  EXPECT_EQ(m.Find("a")->type, FieldType::kObject);
  EXPECT_EQ(m.Find("a.b")->type, FieldType::kLong);
  EXPECT_EQ(m.ToJson(),
            R"({"properties":{"a":{"properties":{"b":{"type":"long"},"c":{"type":"boolean"}}}}})");
}

TEST(MappingTest, DynamicAdditionDoesNotReplaceAMappedField) {
  Mapping m = ParseOk(R"({"properties":{"n":{"type":"keyword"}}})");
  m.AddDynamic("n", FieldType::kLong);
  EXPECT_EQ(m.Find("n")->type, FieldType::kKeyword);
}

TEST(MappingTest, EmptyMappingRendersAsEmptyObject) {
  Mapping m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.ToJson(), "{}");
  EXPECT_EQ(ParseOk("{}").ToJson(), "{}");
}

TEST(MappingTest, ToJsonEchoesWhatWasGiven) {
  const char* json =
      R"({"dynamic":"strict","properties":{"title":{"type":"text","analyzer":"standard",)"
      R"("fields":{"raw":{"type":"keyword"}}},"v":{"type":"knn_vector","dimension":3},)"
      R"("author":{"properties":{"name":{"type":"keyword","ignore_above":20}}}}})";
  Mapping m = ParseOk(json);
  EXPECT_EQ(m.ToJson(), json);
}

TEST(MappingTest, CopiesAreIndependent) {
  Mapping a = ParseOk(R"({"properties":{"n":{"type":"long"}}})");
  Mapping b = a;
  b.AddDynamic("s", FieldType::kKeyword);
  EXPECT_EQ(a.Find("s"), nullptr);
  EXPECT_NE(b.Find("s"), nullptr);
  EXPECT_EQ(a.ToJson(), R"({"properties":{"n":{"type":"long"}}})");
}

TEST(MappingTest, TypedFieldTypesRoundTripWithTheirParameters) {
  const char* json =
      R"({"properties":{"u":{"type":"unsigned_long","coerce":false},"ip":{"type":"ip",)"
      R"("ignore_malformed":true},"b":{"type":"binary","doc_values":true,"store":true},)"
      R"("g":{"type":"geo_point","ignore_z_value":true},"s":{"type":"completion",)"
      R"("analyzer":"simple","max_input_length":50},"m":{"type":"match_only_text"},)"
      R"("ns":{"type":"date_nanos"},"f":{"type":"flat_object"},"c":{"type":"constant_keyword",)"
      R"("value":"x"},"r":{"type":"date_range","format":"yyyy-MM-dd"},)"
      R"("t":{"type":"token_count","analyzer":"standard"},"a":{"type":"alias","path":"u"}}})";
  Mapping m = ParseOk(json);
  EXPECT_EQ(m.ToJson(), json);
  EXPECT_FALSE(m.Find("u")->coerce);
  EXPECT_TRUE(m.Find("ip")->ignore_malformed);
  EXPECT_TRUE(m.Find("b")->doc_values);
  EXPECT_EQ(m.Find("c")->constant_value, "x");
  EXPECT_EQ(m.Find("r")->type, FieldType::kDateRange);
}

TEST(MappingTest, BinaryHasNoDocValuesByDefault) {
  EXPECT_FALSE(ParseOk(R"({"properties":{"b":{"type":"binary"}}})").Find("b")->doc_values);
}

TEST(MappingTest, TypeSpecificParametersAreRefusedElsewhere) {
  auto m = Mapping::Parse(R"({"properties":{"k":{"type":"keyword","value":"x"}}})", false);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().reason(), "unknown parameter [value] on mapper [k] of type [keyword]");
}

TEST(MappingTest, ConstantKeywordRequiresAStringValue) {
  auto missing = Mapping::Parse(R"({"properties":{"c":{"type":"constant_keyword"}}})", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), "Field [c] is missing required parameter [value]");
  auto number = Mapping::Parse(R"({"properties":{"c":{"type":"constant_keyword","value":1}}})", false);
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().reason(), "Field [c] is expected to be a string value");
}

TEST(MappingTest, AliasResolvesToItsTargetForSearch) {
  Mapping m = ParseOk(R"({"properties":{"a":{"type":"alias","path":"o.n"},)"
                      R"("o":{"properties":{"n":{"type":"long"}}}}})");
  EXPECT_EQ(m.Find("a")->path, "o.n");
  EXPECT_EQ(m.FindDefined("a")->type, FieldType::kAlias);
  EXPECT_EQ(m.ResolvePath("a"), "o.n");
  EXPECT_EQ(m.ResolvePath("o.n"), "o.n");
}

TEST(MappingTest, AliasMustPointAtAConcreteField) {
  auto missing = Mapping::Parse(R"({"properties":{"a":{"type":"alias","path":"nope"}}})", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(),
            "Invalid [path] value [nope] for field alias [a]: an alias must refer to an existing "
            "field in the mappings.");
  auto no_path = Mapping::Parse(R"({"properties":{"a":{"type":"alias"}}})", false);
  ASSERT_FALSE(no_path.ok());
  EXPECT_EQ(no_path.status().reason(), "The [path] property must be specified for field [a].");
  auto other = Mapping::Parse(
      R"({"properties":{"n":{"type":"long"},"a":{"type":"alias","path":"n","index":false}}})", false);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().reason(), "unknown parameter [index] on mapper [a] of type [alias]");
}

TEST(MappingTest, FlatObjectLeavesFindTheFlatObject) {
  Mapping m = ParseOk(R"({"properties":{"f":{"type":"flat_object"},"k":{"type":"keyword"}}})");
  ASSERT_NE(m.Find("f.a.b"), nullptr);
  EXPECT_EQ(m.Find("f.a.b")->path, "f");
  EXPECT_EQ(m.Find("k.x"), nullptr);
  EXPECT_EQ(m.Find("zz.y"), nullptr);
}

}  // namespace
}  // namespace sluice::index
