// Normalized path spelling (RFC 9535 section 2.7).
#include "json/jsonpath/normalized_path.h"

#include <gtest/gtest.h>

namespace sluice::json::jsonpath::internal {
namespace {

TEST(NormalizedPathTest, RootAloneIsDollar) { EXPECT_EQ(FormatNormalizedPath({}), "$"); }

TEST(NormalizedPathTest, NamesAreSingleQuotedAndIndexesBare) {
  EXPECT_EQ(FormatNormalizedPath({{true, "a", 0}, {false, {}, 12}, {true, "\xc3\xa9", 0}}),
            "$['a'][12]['\xc3\xa9']");
}

TEST(NormalizedPathTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string_view name("'\\\b\f\n\r\t\x01\x1f\x7f", 10);
  EXPECT_EQ(FormatNormalizedPath({{true, name, 0}}),
            "$['\\'\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f']");
}

}  // namespace
}  // namespace sluice::json::jsonpath::internal
