#include "ingest/record_mapper.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>

namespace sluice::ingest {
namespace {

IngestRequest Parse(const std::string& field_map, const std::string& sources = R"(["/f"])",
                    const std::string& ingest_fields = "[]") {
  auto r = ParseIngestRequest(R"({"index_name":"i","field_map":)" + field_map +
                              R"(,"ingest_fields":)" + ingest_fields +
                              R"(,"data_source":{"type":"file","source":)" + sources + "}}");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

class RecordMapperTest : public ::testing::Test {
 protected:
  simdjson::dom::element Doc(const std::string& json) {
    padded_ = simdjson::padded_string(json);
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(padded_).get(e), simdjson::SUCCESS);
    return e;
  }
  static std::map<std::string, std::string> Fields(const MappedRecord& r) {
    return {r.fields.begin(), r.fields.end()};
  }
  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
};

TEST_F(RecordMapperTest, SingularPathsGiveTheSelectedValueAsJson) {
  IngestRequest req = Parse(R"({"_id":"$.id","t":"$.content[1]","v":"$.out[0]","o":"$.obj"})");
  RecordMapper mapper(req, 0, {"v"});
  auto r = mapper.Map(Doc(R"({"id":7,"content":["a","b \"q\""],"out":[[1.5,2,-3e2]],
                              "obj":{"k":[true,null]}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "7");
  auto f = Fields(*r);
  EXPECT_EQ(f["t"], R"("b \"q\"")");
  EXPECT_EQ(f["v"], "[1.5,2,-300.0]");
  EXPECT_EQ(f["o"], R"({"k":[true,null]})");
}

TEST_F(RecordMapperTest, ASingularPathSelectingNothingLeavesTheFieldOut) {
  IngestRequest req = Parse(R"({"t":"$.missing","u":"$.a[5]","v":"$.v"})");
  RecordMapper mapper(req, 0, {"v"});
  auto r = mapper.Map(Doc(R"({"a":[1],"v":[1,2]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->id.has_value());
  auto f = Fields(*r);
  EXPECT_EQ(f.count("t"), 0u);
  EXPECT_EQ(f.count("u"), 0u);
  EXPECT_EQ(f["v"], "[1,2]");
}

TEST_F(RecordMapperTest, AJsonNullIsAValue) {
  IngestRequest req = Parse(R"({"t":"$.t","v":"$.v"})");
  RecordMapper mapper(req, 0, {"v"});
  auto r = mapper.Map(Doc(R"({"t":null,"v":[1]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Fields(*r)["t"], "null");
}

TEST_F(RecordMapperTest, AVectorFieldWhosePathSelectsNothingFailsTheRecord) {
  IngestRequest req = Parse(R"({"_id":"$.id","emb":"$.out[1]"})");
  RecordMapper mapper(req, 0, {"emb"});
  auto r = mapper.Map(Doc(R"({"id":"a","out":[[1]]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("emb"), std::string::npos);
  EXPECT_NE(r.status().reason().find("$.out[1]"), std::string::npos);
}

TEST_F(RecordMapperTest, NonSingularPathsGiveAnArrayOfEveryMatchPossiblyEmpty) {
  IngestRequest req = Parse(R"({"all":"$.d[*].x","deep":"$..y","v":"$.v"})");
  RecordMapper mapper(req, 0, {"v"});
  auto r = mapper.Map(Doc(R"({"d":[{"x":1},{"x":"s"},{"z":0}],"v":[0]})"));
  ASSERT_TRUE(r.ok());
  auto f = Fields(*r);
  EXPECT_EQ(f["all"], R"([1,"s"])");
  EXPECT_EQ(f["deep"], "[]");
}

TEST_F(RecordMapperTest, IdsAreTheTextOfAScalar) {
  IngestRequest req = Parse(R"({"_id":"$.id","v":"$.v"})");
  RecordMapper mapper(req, 0, {"v"});
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":"abc"})")).value(), "abc");
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":12})")).value(), "12");
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":-3})")).value(), "-3");
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":18446744073709551615})")).value(), "18446744073709551615");
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":1.5})")).value(), "1.5");
  EXPECT_EQ(*mapper.Id(Doc(R"({"id":true})")).value(), "true");
}

TEST_F(RecordMapperTest, AMissingNullEmptyOrStructuredIdFailsTheRecord) {
  IngestRequest req = Parse(R"({"_id":"$.id","v":"$.v"})");
  RecordMapper mapper(req, 0, {"v"});
  for (const char* json : {R"({"v":[1]})", R"({"id":null,"v":[1]})", R"({"id":"","v":[1]})",
                           R"({"id":{"a":1},"v":[1]})", R"({"id":[1],"v":[1]})"}) {
    auto r = mapper.Map(Doc(json));
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_NE(r.status().reason().find("_id"), std::string::npos) << r.status().reason();
  }
  auto long_id = mapper.Map(Doc(R"({"id":")" + std::string(513, 'x') + R"(","v":[1]})"));
  EXPECT_FALSE(long_id.ok());
}

TEST_F(RecordMapperTest, EachSourceMapsOnlyItsOwnPaths) {
  IngestRequest req = Parse(
      R"({"_id":["source[0].$.cid","source[1].$.cid"],"q":"source[1].$.body.input[0]",
          "v":"source[0].$.emb"})",
      R"(["/a","/b","/c"])", R"(["source[2].$.meta"])");
  RecordMapper m0(req, 0, {"v"});
  RecordMapper m1(req, 1, {"v"});
  RecordMapper m2(req, 2, {"v"});
  auto doc = Doc(R"({"cid":"r1","emb":[1],"body":{"input":["hello"]},"meta":"m"})");
  auto r0 = m0.Map(doc);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(r0->id, "r1");
  EXPECT_EQ(Fields(*r0), (std::map<std::string, std::string>{{"v", "[1]"}}));
  auto r1 = m1.Map(doc);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(Fields(*r1), (std::map<std::string, std::string>{{"q", R"("hello")"}}));
  auto r2 = m2.Map(doc);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->id.has_value()) << "source[2] has no _id path: joined by position";
  EXPECT_EQ(Fields(*r2), (std::map<std::string, std::string>{{"meta", R"("m")"}}));
}

TEST_F(RecordMapperTest, UnmatchedPathsNamesThePathsOfThisSourceThatSelectNothing) {
  IngestRequest req = Parse(
      R"({"_id":["source[0].$.cid","source[1].$.id"],"v":"source[0].$.emb",
          "t":"source[0].$.text","all":"source[0].$.tags[*]","other":"source[1].$.nope"})",
      R"(["/a","/b"])");
  RecordMapper m0(req, 0, {"v"});
  auto doc = Doc(R"({"cid":"r1","emb":[1],"tags":[]})");
  // $.text is missing and $.tags[*] has no match; source[1]'s paths are not this source's.
  EXPECT_EQ(m0.UnmatchedPaths(doc),
            (std::vector<std::pair<std::string, std::string>>{{"t", "source[0].$.text"},
                                                              {"all", "source[0].$.tags[*]"}}));
  auto no_id = Doc(R"({"emb":[1],"text":"x","tags":["a"]})");
  EXPECT_EQ(m0.UnmatchedPaths(no_id),
            (std::vector<std::pair<std::string, std::string>>{{"_id", "source[0].$.cid"}}));
}

}  // namespace
}  // namespace sluice::ingest
