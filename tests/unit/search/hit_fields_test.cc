// docvalue_fields, fields and stored_fields: _none_ in search hits.
#include "search/hit_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/test_store.h"
#include "search/search_request.h"

namespace sluice::search {
namespace {

class HitFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("");
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"tag":{"type":"keyword"},"ts":{"type":"date"},"ok":{"type":"boolean"},
            "n":{"type":"integer"},"f":{"type":"double"},"body":{"type":"text"}}})",
        false);
    ASSERT_TRUE(mapping.ok());
    auto i = index::Index::Create(store_.get(), "h", *settings, *mapping, {});
    ASSERT_TRUE(i.ok());
    index_ = *i;
    index::WriteOp op;
    op.id = "1";
    op.source = R"({"tag":["b","a","b"],"ts":"2024-01-15T10:00:00Z","ok":true,"n":[3,1],)"
                R"("f":0.5,"body":"words"})";
    std::vector<index::WriteOp> ops;
    ops.push_back(std::move(op));
    for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  }

  util::Result<SearchResponse> Run(std::string_view body) {
    auto request = ParseSearchRequest(body);
    if (!request.ok()) return request.status();
    return ExecuteSearch(*request, {index_});
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(HitFieldsTest, DocValueFieldsAreSortedAndFormatted) {
  auto r = Run(R"({"docvalue_fields":["tag",{"field":"ts"},"n","ok","f"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(
      r->hits[0].fields.value_or(""),
      R"({"f":[0.5],"n":[1,3],"ok":[true],"tag":["a","b"],"ts":["2024-01-15T10:00:00.000Z"]})");
}

TEST_F(HitFieldsTest, FieldsKeepDocumentOrderAndSkipText) {
  auto r = Run(R"({"fields":["*"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hits[0].fields.value_or(""),
            R"({"f":[0.5],"n":[3,1],"ok":[true],"tag":["b","a","b"],)"
            R"("ts":["2024-01-15T10:00:00.000Z"]})");
  auto none = Run(R"({"fields":["nope"]})");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->hits[0].fields.has_value());
}

TEST_F(HitFieldsTest, DocValuesOfATextFieldAreRefused) {
  auto r = Run(R"({"docvalue_fields":["body"]})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().cause()->reason(), ::testing::HasSubstr("fielddata=true on [body]"));
}

TEST_F(HitFieldsTest, StoredFieldsNoneDropsTheSource) {
  auto r = Run(R"({"stored_fields":"_none_"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->hits[0].source.has_value());
}

TEST_F(HitFieldsTest, TypedFieldValuesRenderAsOpenSearchShowsThem) {
  auto mapping = index::Mapping::Parse(
      R"({"properties":{"r":{"type":"integer_range"},"u":{"type":"unsigned_long"},)"
      R"("ns":{"type":"date_nanos"},"g":{"type":"geo_point"},"ip":{"type":"ip"}}})",
      false);
  ASSERT_TRUE(mapping.ok());
  auto i = index::Index::Create(store_.get(), "typed", *index::IndexSettings::Parse(""), *mapping,
                                {});
  ASSERT_TRUE(i.ok());
  std::vector<index::WriteOp> ops(1);
  ops[0].id = "1";
  ops[0].source = R"({"r":{"gte":0,"lte":42},"u":18446744073709551615,)"
                  R"("ns":"2018-10-29T12:12:12.123456789Z","g":"1.5,2.5","ip":"::ffff:1.2.3.4"})";
  for (const auto& r : (*i)->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  auto request = ParseSearchRequest(R"({"fields":["*"]})");
  ASSERT_TRUE(request.ok());
  auto r = ExecuteSearch(*request, {*i});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hits[0].fields.value_or(""),
            R"({"g":[{"coordinates":[2.5,1.5],"type":"Point"}],"ip":["1.2.3.4"],)"
            R"("ns":["2018-10-29T12:12:12.123456789Z"],"r":[{"gte":0,"lte":42}],)"
            R"("u":[18446744073709551615]})");
}

}  // namespace
}  // namespace sluice::search
