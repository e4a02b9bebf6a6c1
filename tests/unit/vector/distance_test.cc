#include "vector/distance.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::vector {
namespace {

TEST(DistanceTest, ComputesEachSpaceByHand) {
  const float a[] = {1.0f, 2.0f, 3.0f};
  const float b[] = {4.0f, 0.0f, 3.0f};
  EXPECT_FLOAT_EQ(Distance(SpaceType::kL2, a, b, 3), 9.0f + 4.0f);
  EXPECT_FLOAT_EQ(Distance(SpaceType::kL1, a, b, 3), 5.0f);
  EXPECT_FLOAT_EQ(Distance(SpaceType::kLInf, a, b, 3), 3.0f);
  EXPECT_FLOAT_EQ(Distance(SpaceType::kInnerProduct, a, b, 3), -13.0f);
  float cos = 13.0f / (std::sqrt(14.0f) * 5.0f);
  EXPECT_FLOAT_EQ(Distance(SpaceType::kCosineSimil, a, b, 3), 1.0f - cos);
}

TEST(DistanceTest, CosineOfZeroVectorIsOrthogonal) {
  const float zero[] = {0.0f, 0.0f};
  const float b[] = {1.0f, 0.0f};
  EXPECT_FLOAT_EQ(Distance(SpaceType::kCosineSimil, zero, b, 2), 1.0f);
}

TEST(DistanceTest, NormalizeScalesToUnitLengthAndRefusesZero) {
  float v[] = {3.0f, 4.0f};
  ASSERT_TRUE(NormalizeL2(v, 2));
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  EXPECT_FLOAT_EQ(v[1], 0.8f);
  float zero[] = {0.0f, 0.0f};
  EXPECT_FALSE(NormalizeL2(zero, 2));
  EXPECT_EQ(zero[0], 0.0f);
}

}  // namespace
}  // namespace sluice::vector
