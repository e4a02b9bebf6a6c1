// GET [/{index}]/_mapping/field/{fields} through the real router.
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class FieldMappingTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_EQ(Call("PUT", "/idx", R"({"mappings":{"properties":{
        "t1":{"type":"text","analyzer":"whitespace","fields":{"raw":{"type":"keyword"}}},
        "t2":{"type":"text"},
        "obj":{"properties":{"t1":{"type":"text"},"i_t1":{"type":"long"}}}}}})")
                  .status,
              200);
  }
};

TEST_F(FieldMappingTest, ExactNamesAnswerTheFieldsOwnDefinition) {
  rapidjson::Document d = Json(Call("GET", "/idx/_mapping/field/t1,nope"));
  const auto& m = d["idx"]["mappings"];
  ASSERT_EQ(m.MemberCount(), 1u);
  EXPECT_STREQ(m["t1"]["full_name"].GetString(), "t1");
  EXPECT_STREQ(m["t1"]["mapping"]["t1"]["type"].GetString(), "text");
  EXPECT_STREQ(m["t1"]["mapping"]["t1"]["analyzer"].GetString(), "whitespace");
  rapidjson::Document sub = Json(Call("GET", "/_mapping/field/t1.raw"));
  EXPECT_STREQ(sub["idx"]["mappings"]["t1.raw"]["mapping"]["raw"]["type"].GetString(), "keyword");
}

TEST_F(FieldMappingTest, WildcardsMatchLeafPathsOnly) {
  rapidjson::Document d = Json(Call("GET", "/idx/_mapping/field/*t1"));
  const auto& m = d["idx"]["mappings"];
  EXPECT_EQ(m.MemberCount(), 3u);
  EXPECT_TRUE(m.HasMember("t1") && m.HasMember("obj.t1") && m.HasMember("obj.i_t1"));
  rapidjson::Document all = Json(Call("GET", "/idx/_mapping/field/*"));
  EXPECT_FALSE(all["idx"]["mappings"].HasMember("obj"));  // containers are not fields
  EXPECT_EQ(all["idx"]["mappings"].MemberCount(), 5u);
  rapidjson::Document rel = Json(Call("GET", "/idx/_mapping/field/obj.i_*"));
  EXPECT_STREQ(rel["idx"]["mappings"]["obj.i_t1"]["full_name"].GetString(), "obj.i_t1");
}

TEST_F(FieldMappingTest, DefaultsMissingFieldsAndMissingIndices) {
  rapidjson::Document d = Json(Call("GET", "/idx/_mapping/field/t2?include_defaults=true"));
  EXPECT_STREQ(d["idx"]["mappings"]["t2"]["mapping"]["t2"]["analyzer"].GetString(), "default");
  rapidjson::Document none = Json(Call("GET", "/idx/_mapping/field/absent"));
  EXPECT_TRUE(none["idx"]["mappings"].IsObject());
  EXPECT_EQ(none["idx"]["mappings"].MemberCount(), 0u);
  EXPECT_EQ(Call("GET", "/missing/_mapping/field/f").status, 404);
}

}  // namespace
}  // namespace sluice::api
