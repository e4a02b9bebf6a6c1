#include "index/date_parse.h"

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

constexpr int64_t kMay1 = 1714521600000;  // 2024-05-01T00:00:00Z

TEST(DateParseTest, ParsesDateOnly) { EXPECT_EQ(ParseDateMillis("2024-05-01"), kMay1); }

TEST(DateParseTest, ParsesYearAndYearMonth) {
  EXPECT_EQ(ParseDateMillis("2024"), 1704067200000);  // 2024-01-01
  EXPECT_EQ(ParseDateMillis("2024-05"), kMay1);
}

TEST(DateParseTest, ParsesTimeWithFractionAndZulu) {
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20:30.123Z"), kMay1 + 37230123);
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20:30Z"), kMay1 + 37230000);
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20"), kMay1 + 37200000);
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20:30.123456789Z"), kMay1 + 37230123);
}

TEST(DateParseTest, AppliesOffsets) {
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20:30+02:00"), kMay1 + 37230000 - 7200000);
  EXPECT_EQ(ParseDateMillis("2024-05-01T10:20:30-0130"), kMay1 + 37230000 + 5400000);
}

TEST(DateParseTest, ParsesEpochMillis) {
  EXPECT_EQ(ParseDateMillis("1714557600000"), 1714557600000);
  EXPECT_EQ(ParseDateMillis("-86400000"), -86400000);
}

TEST(DateParseTest, EpochMillisBeyondInt64AreNotDates) {
  // 19 digits used to overflow into a (wrapped, negative) date.
  EXPECT_FALSE(ParseDateMillis("9999999999999999999").has_value());
  EXPECT_FALSE(ParseDateMillis("-9999999999999999999").has_value());
  EXPECT_FALSE(ParseDateMillis("9223372036854775808").has_value());
  EXPECT_FALSE(ParseDateMillis("99999999999999999999999999").has_value());
  EXPECT_EQ(ParseDateMillis("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseDateMillis("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseDateMillis("1000000000000000000"), 1000000000000000000);
}

TEST(DateParseTest, HandlesDatesBeforeEpochAndLeapDays) {
  EXPECT_EQ(ParseDateMillis("1969-12-31"), -86400000);
  EXPECT_TRUE(ParseDateMillis("2024-02-29").has_value());
  EXPECT_FALSE(ParseDateMillis("2023-02-29").has_value());
  EXPECT_TRUE(ParseDateMillis("2000-02-29").has_value());
  EXPECT_FALSE(ParseDateMillis("1900-02-29").has_value());
}

TEST(DateParseTest, RejectsWhatIsNotADate) {
  for (const char* bad :
       {"", "abc", "2024-13-01", "2024-00-10", "2024-04-31", "2024-05-01T25:00", "2024-05-01T10:61",
        "2024-05-01x", "2024/05/01", "24-05-01", "2024-05-01T10:20:30.Z"}) {
    EXPECT_FALSE(ParseDateMillis(bad).has_value()) << bad;
  }
}

TEST(DateParseTest, LooksLikeDateNeedsAFullDate) {
  EXPECT_TRUE(LooksLikeDate("2024-05-01"));
  EXPECT_TRUE(LooksLikeDate("2024-05-01T10:20:30Z"));
  EXPECT_FALSE(LooksLikeDate("2024"));
  EXPECT_FALSE(LooksLikeDate("1714557600000"));
  EXPECT_FALSE(LooksLikeDate("2024-99-01"));
  EXPECT_FALSE(LooksLikeDate("hello world"));
}

}  // namespace
}  // namespace sluice::index
