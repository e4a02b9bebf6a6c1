#include "json/json_writer.h"

#include <gtest/gtest.h>

namespace sluice::json {
namespace {

TEST(JsonWriterTest, WritesCompactObjectsWithEscapes) {
  JsonWriter w;
  w.StartObject().Key("a").String("x\"y\n").Key("n").Int(-3).Key("list").StartArray().Bool(true).Null();
  w.EndArray().Key("raw").Raw(R"({"k":[1,2]})").EndObject();
  EXPECT_EQ(w.Take(), R"({"a":"x\"y\n","n":-3,"list":[true,null],"raw":{"k":[1,2]}})");
}

TEST(JsonWriterTest, FloatsUseShortestJavaLikeForm) {
  JsonWriter w;
  w.StartArray().Float(0.5f).Float(1.0f / 5.2f).Float(1.0f).Double(100.0).Double(0.25).EndArray();
  EXPECT_EQ(w.Take(), "[0.5,0.1923077,1.0,100.0,0.25]");
}

TEST(JsonWriterTest, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.StartArray().Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(w.Take(), "[null]");
}

TEST(JsonWriterTest, PrettyPrintIndentsAndKeepsEmptyContainers) {
  EXPECT_EQ(PrettyPrint(R"({"a":{},"b":[1,"x,{"]})"),
            "{\n  \"a\" : {},\n  \"b\" : [\n    1,\n    \"x,{\"\n  ]\n}\n");
}

}  // namespace
}  // namespace sluice::json
