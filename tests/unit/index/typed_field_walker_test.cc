// The typed field types through the document parser (ParseDocument), which
// walks documents with typed_field_walker.h.
#include "index/typed_field_walker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Mapping MappingOf(std::string_view json) {
  auto m = Mapping::Parse(json, false);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Mapping();
}

const Mapping& Typed() {
  static const Mapping m = MappingOf(R"({"properties":{
      "u":{"type":"unsigned_long"},"ux":{"type":"unsigned_long","coerce":false},
      "um":{"type":"unsigned_long","ignore_malformed":true},
      "ns":{"type":"date_nanos"},"ip":{"type":"ip"},"ipm":{"type":"ip","ignore_malformed":true},
      "bin":{"type":"binary"},"geo":{"type":"geo_point"},"sugg":{"type":"completion"},
      "ck":{"type":"constant_keyword","value":"fixed"},"flat":{"type":"flat_object"},
      "mot":{"type":"match_only_text"},"ir":{"type":"integer_range"},
      "dr":{"type":"date_range"},"ipr":{"type":"ip_range"},
      "al":{"type":"alias","path":"u"}}})");
  return m;
}

ParsedDocument Ok(std::string_view source) {
  auto d = ParseDocument(source, "1", Typed());
  EXPECT_TRUE(d.ok()) << source << ": " << d.status().ToString();
  return d.ok() ? *d : ParsedDocument();
}

util::Status Error(std::string_view source) {
  auto d = ParseDocument(source, "1", Typed());
  EXPECT_FALSE(d.ok()) << "expected an error for " << source;
  return d.ok() ? util::Status() : d.status();
}

std::vector<std::string> Texts(const ParsedDocument& d, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& v : d.values) {
    if (v.path == path) out.push_back(v.text);
  }
  return out;
}

TEST(TypedFieldWalkerTest, UnsignedLongKeepsExactDigits) {
  auto d = Ok(R"({"u":[18446744073709551615, "10223372036854775807.23", 3]})");
  EXPECT_THAT(Texts(d, "u"), ElementsAre("18446744073709551615", "10223372036854775807", "3"));
  EXPECT_EQ(d.values[0].number, 18446744073709551615.0);
}

TEST(TypedFieldWalkerTest, UnsignedLongErrorsAreOpenSearchs) {
  util::Status s = Error(R"({"u":-1})");
  EXPECT_EQ(s.type(), "mapper_parsing_exception");
  EXPECT_EQ(s.reason(),
            "failed to parse field [u] of type [unsigned_long] in document with id "
            "'1'. Preview of field's value: '-1'");
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_EQ(s.cause()->reason(), "Value [-1] is out of range for an unsigned long");
  EXPECT_EQ(Error(R"({"ux":"1.5"})").cause()->reason(), "Value [1.5] has a decimal part");
  EXPECT_THAT(Texts(Ok(R"({"um":"oops"})"), "um"), IsEmpty());
}

TEST(TypedFieldWalkerTest, DateNanosKeepsNanosAndRefusesOutOfRange) {
  auto d = Ok(R"({"ns":"2018-10-29T12:12:12.123456789Z"})");
  EXPECT_THAT(Texts(d, "ns"), ElementsAre("1540815132123456789"));
  EXPECT_NEAR(d.values[0].number, 1540815132123.456789, 1e-3);
  EXPECT_EQ(Error(R"({"ns":"1969-10-28T12:12:12.123456789Z"})").cause()->reason(),
            "date[1969-10-28T12:12:12.123456789Z] is before the epoch in 1970 and cannot be "
            "stored in nanosecond resolution");
  EXPECT_EQ(Error(R"({"ns":"2263-10-29T12:12:12.123456789Z"})").cause()->reason(),
            "date[2263-10-29T12:12:12.123456789Z] is after 2262-04-11T23:47:16.854775807 and "
            "cannot be stored in nanosecond resolution");
}

TEST(TypedFieldWalkerTest, IpIsCanonicalisedAndValidated) {
  EXPECT_THAT(Texts(Ok(R"({"ip":["192.168.0.1","2001:DB8::0:1"]})"), "ip"),
              ElementsAre("192.168.0.1", "2001:db8::1"));
  util::Status s = Error(R"({"ip":"bogus"})");
  EXPECT_EQ(s.reason(),
            "failed to parse field [ip] of type [ip] in document with id '1'. "
            "Preview of field's value: 'bogus'");
  EXPECT_EQ(s.cause()->reason(), "'bogus' is not an IP string literal.");
  EXPECT_THAT(Texts(Ok(R"({"ipm":"bogus"})"), "ipm"), IsEmpty());
}

TEST(TypedFieldWalkerTest, BinaryIsBase64) {
  EXPECT_THAT(Texts(Ok(R"({"bin":"YWJjZGUxMjM0"})"), "bin"), ElementsAre("YWJjZGUxMjM0"));
  EXPECT_EQ(Error(R"({"bin":"not base64!"})").type(), "mapper_parsing_exception");
}

TEST(TypedFieldWalkerTest, GeoPointTakesEveryInputForm) {
  auto d = Ok(R"j({"geo":[{"lat":4.91235,"lon":52.374081},"4.901618,52.369219",[52.371667,4.914722],
                 "POINT (52.371667 4.914722)",{"type":"Point","coordinates":[52.371667,4.914722]}]})j");
  EXPECT_THAT(Texts(d, "geo"),
              ElementsAre("4.91235,52.374081", "4.901618,52.369219", "4.914722,52.371667",
                          "4.914722,52.371667", "4.914722,52.371667"));
  // A single [lon, lat] array is one point, not two numbers.
  EXPECT_THAT(Texts(Ok(R"({"geo":[0.0, 20.0]})"), "geo"), ElementsAre("20.0,0.0"));
  EXPECT_EQ(Error(R"({"geo":{"lat":91,"lon":0}})").cause()->reason(),
            "illegal latitude value [91.000000] for geo");
}

TEST(TypedFieldWalkerTest, CompletionInputs) {
  EXPECT_THAT(Texts(Ok(R"({"sugg":{"input":["Nevermind","Nirvana"],"weight":34}})"), "sugg"),
              ElementsAre("Nevermind", "Nirvana"));
  EXPECT_THAT(Texts(Ok(R"({"sugg":"Nevermind"})"), "sugg"), ElementsAre("Nevermind"));
}

TEST(TypedFieldWalkerTest, CompletionInputsCarryTheirWeightAndAreCut) {
  // The weight may come after the inputs and may be a string; inputs keep it as their number.
  auto d = Ok(R"({"sugg":[{"input":["a","b"],"weight":"34"},{"weight":2,"input":"c"}]})");
  std::vector<double> weights;
  for (const auto& v : d.values) {
    if (v.path == "sugg") weights.push_back(v.number);
  }
  EXPECT_THAT(weights, ElementsAre(34, 34, 2));
  EXPECT_EQ(Error(R"({"sugg":{"input":"a","weight":-1}})").reason(),
            "weight must be in the interval [0..2147483647], but was [-1]");
  std::string long_input(60, 'x');
  EXPECT_THAT(Texts(Ok(R"({"sugg":")" + long_input + R"("})"), "sugg"),
              ElementsAre(std::string(50, 'x')));  // max_input_length 50
}

TEST(TypedFieldWalkerTest, ConstantKeywordOnlyTakesItsValue) {
  EXPECT_THAT(Ok(R"({"ck":"fixed"})").values, IsEmpty());
  EXPECT_EQ(Error(R"({"ck":"other"})").reason(),
            "constant keyword field [ck] must have a value of [fixed]");
}

TEST(TypedFieldWalkerTest, FlatObjectLeavesAreKeywordsAtTheirPaths) {
  auto d = Ok(R"({"flat":{"a":{"b":"x"},"n":5,"list":["p","q"]}})");
  EXPECT_THAT(Texts(d, "flat"), ElementsAre("x", "5", "p", "q"));
  EXPECT_THAT(Texts(d, "flat.a.b"), ElementsAre("x"));
  EXPECT_THAT(Texts(d, "flat.list"), ElementsAre("p", "q"));
  EXPECT_TRUE(d.new_fields.empty());
}

TEST(TypedFieldWalkerTest, MatchOnlyTextIsAnalyzedText) {
  auto d = Ok(R"({"mot":"quick fox"})");
  ASSERT_EQ(d.texts.size(), 1u);
  EXPECT_EQ(d.texts[0].first, "mot");
}

TEST(TypedFieldWalkerTest, RangesStoreInclusiveBounds) {
  EXPECT_THAT(Texts(Ok(R"({"ir":{"gt":1,"lt":10}})"), "ir"), ElementsAre("2.0,9.0"));
  EXPECT_THAT(Texts(Ok(R"({"dr":{"gte":"2024-01-01","lte":"2024-01-02"}})"), "dr"),
              ElementsAre("1704067200000.0,1704153600000.0"));
  EXPECT_THAT(Texts(Ok(R"({"ipr":"10.0.0.0/8"})"), "ipr"), ElementsAre("10.0.0.0,10.255.255.255"));
  EXPECT_EQ(Error(R"({"ir":{"gte":10,"lte":1}})").type(), "mapper_parsing_exception");
}

TEST(TypedFieldWalkerTest, AliasesCannotBeWritten) {
  EXPECT_EQ(Error(R"({"al":1})").reason(), "Cannot write to a field alias [al].");
}

}  // namespace
}  // namespace sluice::index
