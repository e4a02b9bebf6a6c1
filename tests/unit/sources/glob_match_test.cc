#include "sources/glob_match.h"

#include <gtest/gtest.h>

namespace sluice::sources {
namespace {

TEST(GlobMatchTest, StarMatchesAnyRunWithinASegment) {
  EXPECT_TRUE(GlobMatch("part-*.jsonl", "part-0001.jsonl"));
  EXPECT_TRUE(GlobMatch("part-*.jsonl", "part-.jsonl"));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("part-*.jsonl", "part-1.txt"));
  EXPECT_FALSE(GlobMatch("a*c", "abd"));
}

TEST(GlobMatchTest, StarDoesNotCrossSlash) {
  EXPECT_FALSE(GlobMatch("out/*.jsonl", "out/sub/a.jsonl"));
  EXPECT_TRUE(GlobMatch("out/*/a.jsonl", "out/sub/a.jsonl"));
  EXPECT_FALSE(GlobMatch("*", "a/b"));
}

TEST(GlobMatchTest, LiteralPatternMatchesOnlyItself) {
  EXPECT_TRUE(GlobMatch("a.jsonl", "a.jsonl"));
  EXPECT_FALSE(GlobMatch("a.jsonl", "a.jsonl2"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

}  // namespace
}  // namespace sluice::sources
