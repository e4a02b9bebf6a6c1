// CatTable: the _cat rendering rules of OpenSearch's RestTable, and the
// _cat/count and _cat/health tables through the real router.
#include "api/cat_table.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

http::Request Get(std::string_view query) {
  return http::Request::Make("GET", "/_cat/x?" + std::string(query));
}

CatTable Sample() {
  CatTable t({{"name", "n", "the name"},
              {"size", "s,sz", "the size", CatAlign::kRight},
              {"hidden", "hd", "not shown by default", CatAlign::kLeft, false}});
  t.AddRow({CatCell::Text("b"), CatCell::Number(10), CatCell::Text("x")});
  t.AddRow({CatCell::Text("a"), CatCell::Number(9), CatCell::Text("y")});
  t.AddRow({CatCell::Text("ccc"), CatCell::Number(100), CatCell::Null()});
  return t;
}

TEST(CatTableTest, TextRightAlignsNumbersAndDoesNotPadTheLastColumn) {
  EXPECT_EQ(Sample().Render(Get("v")).body, "name size\nb      10\na       9\nccc   100\n");
  EXPECT_EQ(Sample().Render(Get("h=size,name")).body, " 10 b\n  9 a\n100 ccc\n");
}

TEST(CatTableTest, AliasesSelectColumnsAndHeadThem) {
  EXPECT_EQ(Sample().Render(Get("v&h=n,sz,hd")).body,
            "n    sz hd\nb    10 x\na     9 y\nccc 100 \n");
  EXPECT_EQ(Sample().Render(Get("h=h*")).body, "x\ny\n\n");  // wildcard over names and aliases
  EXPECT_EQ(Sample().Render(Get("h=nope,n")).body, "b\na\nccc\n");  // unknown names left out
}

TEST(CatTableTest, SortsNumbersNumericallyAndByAlias) {
  EXPECT_EQ(Sample().Render(Get("h=n&s=size")).body, "a\nb\nccc\n");  // 9 < 10 < 100
  EXPECT_EQ(Sample().Render(Get("h=n&s=sz:desc")).body, "ccc\nb\na\n");
  EXPECT_EQ(Sample().Render(Get("h=n&s=n:asc")).body, "a\nb\nccc\n");
  http::Response bad = Sample().Render(Get("s=nope"));
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.body.find("Unable to sort by unknown sort key `nope`"), std::string::npos);
}

TEST(CatTableTest, JsonHasStringValuesKeyedByDisplayedNames) {
  EXPECT_EQ(Sample().Render(Get("format=json&h=n,size,hd&s=n")).body,
            R"([{"n":"a","size":"9","hd":"y"},{"n":"b","size":"10","hd":"x"},)"
            R"({"n":"ccc","size":"100","hd":null}])");
}

TEST(CatTableTest, HelpListsNameAliasesAndDescription) {
  EXPECT_EQ(Sample().Render(Get("help")).body,
            "name   | n    | the name            \n"
            "size   | s,sz | the size            \n"
            "hidden | hd   | not shown by default\n");
}

TEST(CatTableTest, TimestampColumnsAndTsFalse) {
  CatTable t(CatTable::WithTimestamp({{"count", "dc", "the document count"}}));
  std::vector<CatCell> row = CatTable::TimestampCells(86400000LL + 3723000);  // 1970-01-02 01:02:03
  row.push_back(CatCell::Number(7));
  t.AddRow(row);
  EXPECT_EQ(t.Render(Get("")).body, "90123 01:02:03 7\n");
  EXPECT_EQ(t.Render(Get("ts=false&v")).body, "count\n7\n");
}

TEST(CatTableTest, BytesFollowTheBytesParameter) {
  EXPECT_EQ(*CatBytes(Get(""), 1536).text, "1.5kb");
  EXPECT_EQ(*CatBytes(Get("bytes=b"), 1536).text, "1536");
  EXPECT_EQ(*CatBytes(Get("bytes=k"), 1536).text, "1");
  EXPECT_EQ(*CatBytes(Get(""), 3u << 20).text, "3mb");
}

class CatHandlersTest : public ApiTest {};

TEST_F(CatHandlersTest, CountAndHealth) {
  Call("PUT", "/a/_doc/1", R"({"x":1})");
  Call("PUT", "/b/_doc/1", R"({"x":1})");
  Call("PUT", "/b/_doc/2", R"({"x":1})");
  EXPECT_EQ(Call("GET", "/_cat/count?h=count").body, "3\n");
  EXPECT_EQ(Call("GET", "/_cat/count/b?h=dc").body, "2\n");
  EXPECT_EQ(Call("GET", "/_cat/count/nope").status, 404);
  EXPECT_EQ(Call("GET", "/_cat/health?h=status,node.total,shards,unassign&v").body,
            "status node.total shards unassign\nyellow          1      2        2\n");
}

}  // namespace
}  // namespace sluice::api
