#include "util/wildcard.h"

#include <gtest/gtest.h>

namespace sluice::util {
namespace {

TEST(WildcardTest, StarMatchesAnyRunAndNothingElseIsSpecial) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("*", "abc"));
  EXPECT_TRUE(WildcardMatch("a*c", "abbbc"));
  EXPECT_TRUE(WildcardMatch("a*c", "ac"));
  EXPECT_TRUE(WildcardMatch("*b*", "abc"));
  EXPECT_TRUE(WildcardMatch("abc", "abc"));
  EXPECT_FALSE(WildcardMatch("abc", "abcd"));
  EXPECT_FALSE(WildcardMatch("a*c", "abd"));
  EXPECT_FALSE(WildcardMatch("a?c", "abc"));
  EXPECT_TRUE(WildcardMatch("a**", "a"));
}

TEST(WildcardTest, QuestionMarkIsOneCharacterOnlyWhenAsked) {
  EXPECT_TRUE(WildcardMatch("a?c", "abc", {.question_mark = true}));
  EXPECT_FALSE(WildcardMatch("a?c", "ac", {.question_mark = true}));
  EXPECT_TRUE(WildcardMatch("a?c", "a?c"));
}

TEST(WildcardTest, StarCanBeKeptFromCrossingACharacter) {
  const WildcardOptions segment{.star_stops_at = '/'};
  EXPECT_TRUE(WildcardMatch("out/*.jsonl", "out/a.jsonl", segment));
  EXPECT_FALSE(WildcardMatch("out/*.jsonl", "out/sub/a.jsonl", segment));
  EXPECT_TRUE(WildcardMatch("out/*/a.jsonl", "out/sub/a.jsonl", segment));
  EXPECT_TRUE(WildcardMatch("out/*.jsonl", "out/sub/a.jsonl"));
}

TEST(WildcardTest, AStarInTheTextIsNoObstacle) {
  // A literal-first matcher would pair the two stars and fail here.
  EXPECT_TRUE(WildcardMatch("*a", "*ba"));
  EXPECT_TRUE(WildcardMatch("*a", "*ba", {.question_mark = true}));
}

}  // namespace
}  // namespace sluice::util
