// I-Regexp (RFC 9485) validation, translation and matching semantics.
#include "json/jsonpath/iregexp.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::json::jsonpath::internal {
namespace {

bool Full(std::string_view pattern, std::string_view text) {
  auto re = Regex::Compile(pattern);
  EXPECT_TRUE(re) << pattern;
  return re && re->FullMatch(text);
}

TEST(IRegexpTest, RejectsSyntaxOutsideTheIRegexpGrammar) {
  for (std::string_view bad :
       {"(",     ")",   "a**",     "[",     "[]", "[^]",        "a{", "a{1,x}", "\\d", "\\w",
        "(?:a)", "a*?", "\\p{Xx}", "\\p{L", "\\", "[a-\\p{L}]", "]",  "}",      "\\b", "a|*"}) {
    EXPECT_FALSE(TranslateIRegexp(bad)) << bad;
    EXPECT_FALSE(Regex::Compile(bad)) << bad;
  }
}

TEST(IRegexpTest, AcceptsTheIRegexpGrammar) {
  for (std::string_view good :
       {"", "a|b", "(ab)*c+d?", "x{2}", "x{2,}", "x{2,3}", "[a-z0-9_]", "[^\\n\\r]", "[-a]", "[a-]",
        "\\p{Lu}\\P{Nd}", "[\\p{L}\\-]", "\\.\\*\\(\\)\\[\\]\\{\\}\\|\\\\\\^"}) {
    EXPECT_TRUE(TranslateIRegexp(good)) << good;
  }
}

TEST(IRegexpTest, DotMatchesOneCodePointButNotLineBreaks) {
  EXPECT_TRUE(Full(".", "\xc3\xa9"));          // é, two bytes
  EXPECT_TRUE(Full(".", "\xf0\x9f\x98\x80"));  // emoji, four bytes
  EXPECT_FALSE(Full(".", "\n"));
  EXPECT_FALSE(Full(".", "\r"));
  EXPECT_TRUE(Full(".", "\xe2\x80\xa8"));  // U+2028 is an ordinary character
  EXPECT_FALSE(Full("..", "\xc3\xa9"));
}

TEST(IRegexpTest, MatchIsWholeStringAndSearchIsAnywhere) {
  auto re = Regex::Compile("b+");
  ASSERT_TRUE(re);
  EXPECT_FALSE(re->FullMatch("abbc"));
  EXPECT_TRUE(re->PartialMatch("abbc"));
  EXPECT_TRUE(re->FullMatch("bbb"));
}

TEST(IRegexpTest, UnicodeCategoriesWork) {
  EXPECT_TRUE(Full("\\p{Lu}+", "AB\xc3\x89"));  // ABÉ
  EXPECT_FALSE(Full("\\p{Lu}", "a"));
  EXPECT_TRUE(Full("\\P{Lu}", "a"));
}

TEST(IRegexpTest, GroupsDoNotCaptureAndMetacharactersInClassesAreLiteral) {
  EXPECT_EQ(*TranslateIRegexp("(a)"), "(?:a)");
  EXPECT_TRUE(Full("a[.b]c", "a.c"));
  EXPECT_FALSE(Full("a[.b]c", "axc"));
  EXPECT_TRUE(Full("[\\]]", "]"));
}

TEST(IRegexpTest, DeeplyNestedGroupsAreRejectedNotRecursedWithoutBound) {
  std::string deep = std::string(100000, '(') + std::string(100000, ')');
  EXPECT_FALSE(TranslateIRegexp(deep));
}

TEST(IRegexpTest, PathologicalPatternsRunInLinearTime) {
  auto re = Regex::Compile("(a*)*b");
  ASSERT_TRUE(re);
  EXPECT_FALSE(re->FullMatch(std::string(100000, 'a')));
}

}  // namespace
}  // namespace sluice::json::jsonpath::internal
