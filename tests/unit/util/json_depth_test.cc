#include "util/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::util {
namespace {

TEST(JsonDepthTest, AcceptsNestingUpToTheLimit) {
  std::string ok = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_FALSE(ExceedsJsonNesting(ok));
  EXPECT_TRUE(ExceedsJsonNesting("[" + ok + "]"));
}

TEST(JsonDepthTest, IgnoresBracketsInsideStrings) {
  EXPECT_FALSE(ExceedsJsonNesting(R"({"a":"[[[[[[\"[[[["})", 2));
  EXPECT_TRUE(ExceedsJsonNesting(R"({"a":[{"b":1}]})", 2));
}

TEST(JsonDepthTest, EachNdjsonLineBalances) {
  EXPECT_FALSE(ExceedsJsonNesting("{\"index\":{}}\n{\"a\":{}}\n{\"index\":{}}\n", 2));
}

}  // namespace
}  // namespace sluice::util
