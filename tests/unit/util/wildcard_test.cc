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

}  // namespace
}  // namespace sluice::util
