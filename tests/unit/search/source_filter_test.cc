#include "search/source_filter.h"

#include <gtest/gtest.h>

namespace sluice::search {
namespace {

const char* kDoc =
    R"({"title":"t","author":{"name":"ann","age":30},"v":[1,2],"meta":{"a":{"b":1,"c":2}}})";

std::string Apply(std::vector<std::string> includes, std::vector<std::string> excludes,
                  std::string_view doc = kDoc) {
  SourceFilter f;
  f.includes = std::move(includes);
  f.excludes = std::move(excludes);
  return f.Apply(doc);
}

TEST(SourceFilterTest, IdentityReturnsTheSourceUnchanged) {
  SourceFilter f;
  EXPECT_TRUE(f.IsIdentity());
  std::string spaced = R"({ "a" : 1 })";
  EXPECT_EQ(f.Apply(spaced), spaced);
  f.fetch = false;
  EXPECT_FALSE(f.IsIdentity());
}

TEST(SourceFilterTest, IncludesKeepOnlyNamedFields) {
  EXPECT_EQ(Apply({"title"}, {}), R"({"title":"t"})");
  EXPECT_EQ(Apply({"title", "v"}, {}), R"({"title":"t","v":[1,2]})");
}

TEST(SourceFilterTest, IncludingAnObjectKeepsEverythingBelowIt) {
  EXPECT_EQ(Apply({"author"}, {}), R"({"author":{"name":"ann","age":30}})");
}

TEST(SourceFilterTest, DottedIncludesSelectInsideObjects) {
  EXPECT_EQ(Apply({"author.name"}, {}), R"({"author":{"name":"ann"}})");
  EXPECT_EQ(Apply({"meta.a.c"}, {}), R"({"meta":{"a":{"c":2}}})");
}

TEST(SourceFilterTest, ExcludesRemoveFieldsAndSubtrees) {
  EXPECT_EQ(Apply({}, {"v"}),
            R"({"title":"t","author":{"name":"ann","age":30},"meta":{"a":{"b":1,"c":2}}})");
  EXPECT_EQ(Apply({}, {"author.age", "meta"}),
            R"({"title":"t","author":{"name":"ann"},"v":[1,2]})");
}

TEST(SourceFilterTest, ExcludesWinOverIncludes) {
  EXPECT_EQ(Apply({"author"}, {"author.name"}), R"({"author":{"age":30}})");
  EXPECT_EQ(Apply({"title", "v"}, {"v"}), R"({"title":"t"})");
}

TEST(SourceFilterTest, WildcardsMatchPaths) {
  EXPECT_EQ(Apply({"auth*"}, {}), R"({"author":{"name":"ann","age":30}})");
  EXPECT_EQ(Apply({"author.*"}, {}), R"({"author":{"name":"ann","age":30}})");
  EXPECT_EQ(Apply({"*.name"}, {}), R"({"author":{"name":"ann"}})");
  EXPECT_EQ(Apply({}, {"*tle", "*.c"}),
            R"({"author":{"name":"ann","age":30},"v":[1,2],"meta":{"a":{"b":1}}})");
  EXPECT_EQ(Apply({"*"}, {"meta", "author"}), R"({"title":"t","v":[1,2]})");
}

TEST(SourceFilterTest, ObjectsLeftEmptyByIncludesDisappear) {
  EXPECT_EQ(Apply({"author.missing"}, {}), "{}");
  EXPECT_EQ(Apply({"title", "meta.a.x"}, {}), R"({"title":"t"})");
}

TEST(SourceFilterTest, FiltersObjectsInsideArrays) {
  const char* doc = R"({"arr":[{"x":1,"y":2},{"y":3},5],"n":1})";
  EXPECT_EQ(Apply({"arr.x"}, {}, doc), R"({"arr":[{"x":1}]})");
  EXPECT_EQ(Apply({}, {"arr.y"}, doc), R"({"arr":[{"x":1},5],"n":1})");
  EXPECT_EQ(Apply({"arr"}, {}, doc), R"({"arr":[{"x":1,"y":2},{"y":3},5]})");
  EXPECT_EQ(Apply({"n"}, {}, doc), R"({"n":1})");
}

TEST(SourceFilterTest, NonObjectSourceIsReturnedAsIs) {
  EXPECT_EQ(Apply({"a"}, {}, "not json"), "not json");
}

}  // namespace
}  // namespace sluice::search
