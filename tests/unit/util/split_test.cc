#include "util/split.h"

#include <gtest/gtest.h>

namespace sluice::util {
namespace {

using Parts = std::vector<std::string>;

TEST(SplitNonEmptyTest, DropsEmptyPartsAndKeepsOrder) {
  EXPECT_EQ(SplitNonEmpty("b,a,c"), (Parts{"b", "a", "c"}));
  EXPECT_EQ(SplitNonEmpty(",a,,b,"), (Parts{"a", "b"}));
  EXPECT_EQ(SplitNonEmpty(""), Parts{});
  EXPECT_EQ(SplitNonEmpty(",,"), Parts{});
  EXPECT_EQ(SplitNonEmpty("one"), (Parts{"one"}));
}

TEST(SplitNonEmptyTest, TakesAnotherSeparator) {
  EXPECT_EQ(SplitNonEmpty("hits.hits._id", '.'), (Parts{"hits", "hits", "_id"}));
  EXPECT_EQ(SplitNonEmpty("a,b.c", '.'), (Parts{"a,b", "c"}));
}

}  // namespace
}  // namespace sluice::util
