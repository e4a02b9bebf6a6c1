// term/terms/range/exists on the typed field types, through the query parser.
#include "search/typed_field_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "index/test_store.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TypedFieldQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("{}");
    ASSERT_TRUE(settings.ok());
    auto mapping = index::Mapping::Parse(R"({"properties":{
        "u":{"type":"unsigned_long"},"ns":{"type":"date_nanos"},"ip":{"type":"ip"},
        "bin":{"type":"binary"},"ck":{"type":"constant_keyword","value":"c"},
        "ir":{"type":"integer_range"},"dr":{"type":"date_range"},
        "flat":{"type":"flat_object"},"mot":{"type":"match_only_text"},
        "al":{"type":"alias","path":"u"}}})",
                                         false);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "t", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("a",
          R"({"u":18446744073709551615,"ns":"2018-10-29T12:12:12.123456789Z",)"
          R"("ip":"192.168.0.1","ck":"c","ir":{"gte":1,"lte":5},)"
          R"("dr":{"gte":"2024-01-01","lte":"2024-01-31"},"flat":{"color":"red","x":{"y":"z"}},)"
          R"("mot":"quick brown fox"})");
    Write("b", R"({"u":18446744073709551614,"ns":"2018-10-29T12:12:12.123456790Z",)"
               R"("ip":"2001:db8::1","ir":{"gte":10,"lte":20},"flat":{"color":"blue"},)"
               R"("bin":"YWJj"})");
    Write("c", R"({"u":0,"ip":"10.1.2.3"})");
  }

  void Write(std::string id, std::string source) {
    std::vector<index::WriteOp> ops(1);
    ops[0].id = std::move(id);
    ops[0].source = std::move(source);
    auto r = index_->Write(std::move(ops));
    ASSERT_TRUE(r[0].status.ok()) << r[0].status.ToString();
  }

  util::Result<DocList> Run(const std::string& query_json) {
    rapidjson::Document d;
    d.Parse(query_json.c_str());
    auto q = ParseQuery(d);
    if (!q.ok()) return q.status();
    index::Index::ReadGuard guard(*index_);
    return (*q)->Execute(*index_);
  }

  std::vector<std::string> Ids(const std::string& query_json) {
    auto r = Run(query_json);
    EXPECT_TRUE(r.ok()) << query_json << ": " << r.status().ToString();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    index::Index::ReadGuard guard(*index_);
    for (const auto& d : *r) out.push_back(index_->id(d.doc));
    return out;
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(TypedFieldQueriesTest, UnsignedLongTermsAreExactAcrossThe64BitRange) {
  // 2^64-1 and 2^64-2 are the same double: only exact comparison tells them apart.
  EXPECT_THAT(Ids(R"({"term":{"u":18446744073709551615}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"term":{"u":"18446744073709551614"}})"), ElementsAre("b"));
  EXPECT_THAT(Ids(R"({"terms":{"u":[0, 18446744073709551614]}})"), ElementsAre("b", "c"));
  EXPECT_THAT(Ids(R"({"term":{"u":-1}})"), IsEmpty());
  EXPECT_THAT(Ids(R"({"term":{"u":0.5}})"), IsEmpty());
}

TEST_F(TypedFieldQueriesTest, UnsignedLongRanges) {
  EXPECT_THAT(Ids(R"({"range":{"u":{"gt":18446744073709551614}}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"range":{"u":{"gte":-5,"lt":1}}})"), ElementsAre("c"));
  EXPECT_THAT(Ids(R"({"range":{"u":{"gte":0.5}}})"), ElementsAre("a", "b"));
  EXPECT_THAT(Ids(R"({"range":{"u":{"lte":"9223372036854775808"}}})"), ElementsAre("c"));
}

TEST_F(TypedFieldQueriesTest, AliasQueriesReadTheTarget) {
  EXPECT_THAT(Ids(R"({"term":{"al":0}})"), ElementsAre("c"));
  EXPECT_THAT(Ids(R"({"exists":{"field":"al"}})"), ElementsAre("a", "b", "c"));
}

TEST_F(TypedFieldQueriesTest, DateNanosComparesNanoseconds) {
  EXPECT_THAT(Ids(R"({"term":{"ns":"2018-10-29T12:12:12.123456789Z"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"range":{"ns":{"gt":"2018-10-29T12:12:12.123456789Z"}}})"), ElementsAre("b"));
  EXPECT_THAT(Ids(R"({"range":{"ns":{"gte":"2018-10-29T12:12:12.123Z","lte":"2018-10-29"}}})"),
              IsEmpty());
  EXPECT_THAT(Ids(R"({"range":{"ns":{"gte":"2018-10-29T12:12:12.123Z"}}})"), ElementsAre("a", "b"));
}

TEST_F(TypedFieldQueriesTest, IpTermsTakeAddressesAndCidrBlocks) {
  EXPECT_THAT(Ids(R"({"term":{"ip":"192.168.0.1"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"term":{"ip":"192.168.0.0/16"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"term":{"ip":"2001:db8::/32"}})"), ElementsAre("b"));
  EXPECT_THAT(Ids(R"({"terms":{"ip":["10.0.0.0/8","2001:DB8:0::1"]}})"), ElementsAre("b", "c"));
  auto bad = Run(R"({"term":{"ip":"nope"}})");
  ASSERT_FALSE(bad.ok());
  ASSERT_NE(bad.status().cause(), nullptr);
  EXPECT_EQ(bad.status().cause()->reason(),
            "failed to create query: 'nope' is not an IP string literal.");
}

TEST_F(TypedFieldQueriesTest, IpRangesOrderAddressesNumerically) {
  EXPECT_THAT(Ids(R"({"range":{"ip":{"gte":"10.0.0.0","lt":"192.168.0.1"}}})"), ElementsAre("c"));
  EXPECT_THAT(Ids(R"({"range":{"ip":{"gt":"192.168.0.1"}}})"), ElementsAre("b"));
}

TEST_F(TypedFieldQueriesTest, BinaryIsNotSearchableButExists) {
  auto r = Run(R"({"term":{"bin":"YWJj"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().cause()->reason(),
            "failed to create query: Binary fields do not support searching");
  EXPECT_THAT(Ids(R"({"exists":{"field":"bin"}})"), ElementsAre("b"));
}

TEST_F(TypedFieldQueriesTest, ConstantKeywordMatchesEveryDocumentOrNone) {
  EXPECT_THAT(Ids(R"({"term":{"ck":"c"}})"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Ids(R"({"term":{"ck":"d"}})"), IsEmpty());
  EXPECT_THAT(Ids(R"({"range":{"ck":{"gte":"a","lte":"z"}}})"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Ids(R"({"exists":{"field":"ck"}})"), ElementsAre("a", "b", "c"));
}

TEST_F(TypedFieldQueriesTest, RangeFieldsHonourRelation) {
  EXPECT_THAT(Ids(R"({"term":{"ir":3}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"range":{"ir":{"gte":4,"lte":12}}})"), ElementsAre("a", "b"));
  EXPECT_THAT(Ids(R"({"range":{"ir":{"gte":0,"lte":6,"relation":"within"}}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"range":{"ir":{"gte":12,"lte":15,"relation":"CONTAINS"}}})"),
              ElementsAre("b"));
  EXPECT_THAT(Ids(R"({"range":{"ir":{"gt":5,"lt":10}}})"), IsEmpty());
  EXPECT_THAT(Ids(R"({"range":{"dr":{"gte":"2024-01-15","lte":"2024-02-01"}}})"), ElementsAre("a"));
  EXPECT_FALSE(Run(R"({"range":{"ir":{"gte":1,"relation":"touches"}}})").ok());
}

TEST_F(TypedFieldQueriesTest, FlatObjectTermsOnDottedPathsAndTheRoot) {
  EXPECT_THAT(Ids(R"({"term":{"flat.color":"red"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"term":{"flat.x.y":"z"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"term":{"flat":"blue"}})"), ElementsAre("b"));
  EXPECT_THAT(Ids(R"({"term":{"flat.color":"z"}})"), IsEmpty());
  EXPECT_THAT(Ids(R"({"exists":{"field":"flat"}})"), ElementsAre("a", "b"));
}

TEST_F(TypedFieldQueriesTest, MatchOnlyTextAnswersTextQueries) {
  EXPECT_THAT(Ids(R"({"match":{"mot":"fox"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"match_phrase":{"mot":"quick brown"}})"), ElementsAre("a"));
  EXPECT_THAT(Ids(R"({"exists":{"field":"mot"}})"), ElementsAre("a"));
}

}  // namespace
}  // namespace sluice::search
