#include "json/strict_json.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::json {
namespace {

const std::string kAt =
    "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` "
    "disabled); line: ";

TEST(StrictJsonTest, AcceptsValidJsonWithUnicode) {
  EXPECT_TRUE(CheckStrictJson(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}],"d":"é漢🙂"})").ok());
  EXPECT_TRUE(CheckStrictJson("").ok());
  EXPECT_TRUE(CheckStrictJson(R"({"big":1e400,"n":-0.5})").ok());
}

TEST(StrictJsonTest, LeavesSyntaxErrorsToTheHandlersParsers) {
  EXPECT_TRUE(CheckStrictJson(R"({"a":)").ok());
  EXPECT_TRUE(CheckStrictJson("not json").ok());
}

TEST(StrictJsonTest, RefusesDuplicateKeysAtAnyDepth) {
  util::Status s = CheckStrictJson(R"({"a":1,"a":2})");
  EXPECT_EQ(s.code(), util::Code::kInvalidArgument);
  EXPECT_EQ(s.type(), "json_parse_exception");
  EXPECT_EQ(s.reason(), "Duplicate field 'a'" + kAt + "1, column: 11]");
  EXPECT_EQ(CheckStrictJson("{\"q\":{\"x\":[{\"k\":1,\"k\":2}]}}").reason().substr(0, 19),
            "Duplicate field 'k'");
  // Names are compared unescaped: "\u0061" is "a".
  EXPECT_FALSE(CheckStrictJson(R"({"a":1,"\u0061":2})").ok());
  // Sibling objects have their own keys.
  EXPECT_TRUE(CheckStrictJson(R"([{"a":1},{"a":2}])").ok());
}

TEST(StrictJsonTest, FindsDuplicatesInLargeObjects) {
  std::string body = "{";
  for (int i = 0; i < 100; ++i) body += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_TRUE(CheckStrictJson(body + "\"z\":0}").ok());
  EXPECT_EQ(CheckStrictJson(body + "\"k7\":0}").reason().substr(0, 20), "Duplicate field 'k7'");
}

TEST(StrictJsonTest, RefusesInvalidUtf8WithJacksonsMessage) {
  util::Status s = CheckStrictJson("{\"a\":\"\xff\"}");
  EXPECT_EQ(s.type(), "json_parse_exception");
  EXPECT_EQ(s.reason(), "Invalid UTF-8 start byte 0xff" + kAt + "1, column: 7]");
  EXPECT_EQ(CheckStrictJson("{\"a\":\"\xc3(\"}").reason().substr(0, 30),
            "Invalid UTF-8 middle byte 0x28");
  EXPECT_FALSE(CheckStrictJson("\"\xc0\xaf\"").ok());          // overlong '/'
  EXPECT_FALSE(CheckStrictJson("\"\xed\xa0\x80\"").ok());      // a surrogate
  EXPECT_FALSE(CheckStrictJson("\"\xf4\x90\x80\x80\"").ok());  // past U+10FFFF
  EXPECT_FALSE(CheckStrictJson("\"\xe6\xbc\"").ok());          // cut short
}

TEST(StrictJsonTest, ChecksEachNdjsonLine) {
  EXPECT_TRUE(CheckStrictNdjson("{\"index\":{}}\n{\"a\":1}\n\n{\"a\":2}\n").ok());
  util::Status s = CheckStrictNdjson("{\"index\":{}}\n{\"a\":1,\"a\":2}\n");
  EXPECT_EQ(s.reason(), "Duplicate field 'a'" + kAt + "2, column: 11]");
  EXPECT_EQ(CheckStrictNdjson("{}\n{\"a\":\"\x80\"}\n").reason(),
            "Invalid UTF-8 start byte 0x80" + kAt + "2, column: 7]");
}

TEST(StrictJsonTest, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8("my-index"));
  EXPECT_TRUE(IsValidUtf8("ñ"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace sluice::json
