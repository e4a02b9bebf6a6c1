// Error messages and limits of the JSONPath parser, through the public API.
#include "json/jsonpath/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "json/jsonpath/json_path.h"

namespace sluice::json::jsonpath {
namespace {

std::string ErrorOf(std::string_view expression) {
  auto compiled = JsonPath::Compile(expression);
  if (compiled.ok()) return "<accepted>";
  EXPECT_EQ(compiled.status().type(), "illegal_argument_exception");
  EXPECT_EQ(compiled.status().code(), util::Code::kInvalidArgument);
  return compiled.status().reason();
}

TEST(JsonPathParserTest, MissingRootNamesPositionZero) {
  EXPECT_EQ(ErrorOf("a.b"),
            "invalid JSONPath at position 0: expected '$' at the start of the query but found 'a'");
  EXPECT_EQ(ErrorOf(""),
            "invalid JSONPath at position 0: expected '$' at the start of the query "
            "but found the end of the query");
}

TEST(JsonPathParserTest, UnclosedBracketNamesWhereACommaOrBracketWasExpected) {
  EXPECT_EQ(ErrorOf("$['a'"),
            "invalid JSONPath at position 5: expected ',' or ']' after a selector but found the "
            "end of the query");
  EXPECT_EQ(ErrorOf("$[1 x]"),
            "invalid JSONPath at position 4: expected ',' or ']' after a selector but found 'x'");
}

TEST(JsonPathParserTest, TrailingGarbageAndWhitespaceAreRejected) {
  EXPECT_EQ(ErrorOf("$.a)"),
            "invalid JSONPath at position 3: expected '.', '[' or the end of the query but found "
            "')'");
  EXPECT_EQ(ErrorOf("$.a "),
            "invalid JSONPath at position 3: expected '.', '[' or the end of the query but found "
            "' '");
}

TEST(JsonPathParserTest, DotMustBeFollowedImmediatelyByANameOrWildcard) {
  EXPECT_EQ(ErrorOf("$. a"),
            "invalid JSONPath at position 2: expected '*' or a member name after "
            "'.' but found ' '");
  EXPECT_EQ(ErrorOf("$..1"),
            "invalid JSONPath at position 3: expected '[', '*' or a member name "
            "after '..' but found '1'");
}

TEST(JsonPathParserTest, IntegersOutsideIJsonRangeOrWithLeadingZerosAreRejected) {
  EXPECT_EQ(ErrorOf("$[9007199254740992]"),
            "invalid JSONPath at position 2: integer outside the range -(2^53-1)..2^53-1");
  EXPECT_EQ(ErrorOf("$[01]"),
            "invalid JSONPath at position 2: integers may not have leading zeros or be '-0'");
  EXPECT_EQ(ErrorOf("$[-0]"),
            "invalid JSONPath at position 2: integers may not have leading zeros or be '-0'");
  EXPECT_EQ(ErrorOf("$[9007199254740991]"), "<accepted>");
}

TEST(JsonPathParserTest, StringErrorsNameTheOffendingCharacter) {
  EXPECT_EQ(ErrorOf("$['a\\x']"),
            "invalid JSONPath at position 5: expected a valid escape "
            "sequence after '\\' but found 'x'");
  EXPECT_EQ(ErrorOf("$['\\uD800']"),
            "invalid JSONPath at position 9: expected '\\u' and a low surrogate after a high "
            "surrogate but found '''");
  EXPECT_EQ(ErrorOf("$['a\tb']"),
            "invalid JSONPath at position 4: expected an escaped control "
            "character in a string but found control character U+0009");
  EXPECT_EQ(ErrorOf("$['abc"),
            "invalid JSONPath at position 6: expected closing ' but found the end of the query");
}

TEST(JsonPathParserTest, FilterTypeErrorsAreExplained) {
  EXPECT_EQ(ErrorOf("$[?@.a == @..b]"),
            "invalid JSONPath at position 10: expected a singular query (names and indexes only)");
  EXPECT_EQ(ErrorOf("$[?length(@.a)]"),
            "invalid JSONPath at position 3: a function returning a value is not a logical "
            "expression (compare its result)");
  EXPECT_EQ(ErrorOf("$[?match(@.a, 'x') == true]"),
            "invalid JSONPath at position 3: a function returning a logical value cannot be "
            "compared");
  EXPECT_EQ(ErrorOf("$[?1]"),
            "invalid JSONPath at position 3: a literal is not a logical "
            "expression (compare it to something)");
  EXPECT_EQ(ErrorOf("$[?count(1) > 0]"),
            "invalid JSONPath at position 9: count() expects a filter query argument");
}

TEST(JsonPathParserTest, FunctionArityAndNamesAreChecked) {
  EXPECT_EQ(ErrorOf("$[?foo(@)]"),
            "invalid JSONPath at position 3: unknown function 'foo' "
            "(expected length, count, match, search or value)");
  EXPECT_EQ(ErrorOf("$[?search(@.a)]"),
            "invalid JSONPath at position 3: search() takes 2 arguments, not 1");
}

TEST(JsonPathParserTest, InvalidUtf8IsRejected) {
  EXPECT_EQ(ErrorOf("$['\xff']"), "invalid JSONPath: the query is not valid UTF-8");
}

TEST(JsonPathParserTest, NestingBeyondTheLimitIsRejectedNotOverflowingTheStack) {
  std::string deep = "$";
  for (int i = 0; i < 10000; ++i) deep += "[?@";
  std::string error = ErrorOf(deep);
  EXPECT_NE(error.find("nesting deeper than 64 levels"), std::string::npos) << error;

  std::string parens = "$[?" + std::string(10000, '(') + "@" + std::string(10000, ')') + "]";
  error = ErrorOf(parens);
  EXPECT_NE(error.find("nesting deeper than 64 levels"), std::string::npos) << error;

  std::string ok = "$";
  for (int i = 0; i < 20; ++i) ok += "[?@";
  for (int i = 0; i < 20; ++i) ok += "]";
  EXPECT_EQ(ErrorOf(ok), "<accepted>");
}

TEST(JsonPathParserTest, TooManySegmentsAreRejected) {
  std::string many = "$";
  for (size_t i = 0; i <= internal::kMaxSegments; ++i) many += ".a";
  EXPECT_NE(ErrorOf(many).find("segments"), std::string::npos);
}

TEST(JsonPathParserTest, WhitespaceIsAllowedWhereTheRfcAllowsIt) {
  EXPECT_EQ(ErrorOf("$ [ 'a' , 1 : 2 ] .b"), "<accepted>");
  EXPECT_EQ(ErrorOf("$[? @.a == 1 && ( @.b || ! @.c ) ]"), "<accepted>");
  EXPECT_EQ(ErrorOf("$[?count( @.* ) > 1]"), "<accepted>");
}

}  // namespace
}  // namespace sluice::json::jsonpath
