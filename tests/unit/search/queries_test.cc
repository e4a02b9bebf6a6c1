#include "search/queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "index/test_store.h"
#include "search/text_queries.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::FloatNear;
using ::testing::Pair;

QueryValue Str(std::string s) { return {QueryValue::Kind::kString, std::move(s), 0}; }
QueryValue Num(double d) { return {QueryValue::Kind::kNumber, std::to_string(d), d}; }

std::unique_ptr<Query> Term(std::string field, QueryValue v, float boost = 1.0f) {
  return std::make_unique<TermsQuery>(std::move(field), std::vector<QueryValue>{std::move(v)},
                                      boost);
}

std::unique_ptr<KnnQuery> Knn(std::string field, std::vector<float> v, std::optional<int> k) {
  auto q = std::make_unique<KnnQuery>();
  q->field = std::move(field);
  q->vector = std::move(v);
  q->k = k;
  return q;
}

MatchQuery Match(std::string field, std::string text, bool require_all) {
  MatchQuery q;
  q.field = std::move(field);
  q.text = std::move(text);
  q.require_all = require_all;
  return q;
}

class QueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse(R"({"index":{"knn":true}})");
    ASSERT_TRUE(settings.ok());
    auto mapping = index::Mapping::Parse(R"({"properties":{
        "tag":{"type":"keyword"},"title":{"type":"text"},"n":{"type":"long"},
        "price":{"type":"float"},"d":{"type":"date"},"ok":{"type":"boolean"},
        "author":{"properties":{"name":{"type":"keyword"}}},
        "v":{"type":"knn_vector","dimension":2},
        "vc":{"type":"knn_vector","dimension":2,"space_type":"cosinesimil"},
        "vi":{"type":"knn_vector","dimension":2,"space_type":"innerproduct"},
        "vl":{"type":"knn_vector","dimension":2,"method":{"name":"hnsw","engine":"lucene","space_type":"cosinesimil"}}}})",
                                         true);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "q", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("a", R"({"tag":"red","title":"Quick Brown Fox","n":1,"price":1.5,"d":"2024-01-01",)"
               R"("ok":true,"author":{"name":"ann"},"v":[1,0],"vc":[1,0],"vi":[1,0],"vl":[1,0]})");
    Write("b", R"({"tag":"blue","title":"lazy dog","n":5,"price":2.5,"d":"2024-06-01","ok":false,)"
               R"("v":[0,1],"vc":[0,1],"vi":[0,1],"vl":[0,1]})");
    Write("c", R"({"tag":"red","title":"quick dog","n":10,"d":"2025-01-01","v":[2,2],"vc":[1,1],)"
               R"("vi":[2,2],"vl":[1,1]})");
    Write("d", R"({"tag":"Red","n":7})");
  }

  void Write(std::string id, std::string source, index::OpType type = index::OpType::kIndex) {
    std::vector<index::WriteOp> ops(1);
    ops[0].type = type;
    ops[0].id = std::move(id);
    ops[0].source = std::move(source);
    auto r = index_->Write(std::move(ops));
    ASSERT_TRUE(r[0].status.ok()) << r[0].status.ToString();
  }

  // Matching ids with their scores, in doc order.
  std::vector<std::pair<std::string, float>> Run(const Query& q) {
    index::Index::ReadGuard guard(*index_);
    auto r = q.Execute(*index_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, float>> out;
    if (!r.ok()) return out;
    for (const auto& d : *r) out.emplace_back(index_->id(d.doc), d.score);
    return out;
  }
  std::vector<std::string> Ids(const Query& q) {
    std::vector<std::string> ids;
    for (const auto& [id, score] : Run(q)) ids.push_back(id);
    return ids;
  }
  util::Status Error(const Query& q) {
    index::Index::ReadGuard guard(*index_);
    auto r = q.Execute(*index_);
    EXPECT_FALSE(r.ok());
    return r.ok() ? util::Status() : r.status();
  }
  // A shard-level error: search_phase_execution_exception > query_shard_exception > IAE.
  void ExpectShardError(const Query& q, const std::string& message) {
    util::Status s = Error(q);
    EXPECT_EQ(s.type(), "search_phase_execution_exception");
    EXPECT_EQ(s.reason(), "all shards failed");
    ASSERT_NE(s.cause(), nullptr);
    EXPECT_EQ(s.cause()->type(), "query_shard_exception");
    EXPECT_EQ(s.cause()->reason(), "failed to create query: " + message);
    ASSERT_NE(s.cause()->cause(), nullptr);
    EXPECT_EQ(s.cause()->cause()->type(), "illegal_argument_exception");
    EXPECT_EQ(s.cause()->cause()->reason(), message);
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(QueriesTest, MatchAllScoresItsBoostAndSkipsDeletedDocs) {
  EXPECT_THAT(Run(MatchAllQuery(2.0f)),
              ElementsAre(Pair("a", 2.0f), Pair("b", 2.0f), Pair("c", 2.0f), Pair("d", 2.0f)));
  Write("b", "", index::OpType::kDelete);
  EXPECT_THAT(Ids(MatchAllQuery(1.0f)), ElementsAre("a", "c", "d"));
  EXPECT_TRUE(Ids(MatchNoneQuery()).empty());
}

TEST_F(QueriesTest, TermOnKeywordIsExactAndOnTextMatchesTokens) {
  EXPECT_THAT(Ids(*Term("tag", Str("red"))), ElementsAre("a", "c"));
  EXPECT_THAT(Ids(*Term("tag", Str("Red"))), ElementsAre("d"));
  EXPECT_THAT(Ids(*Term("title", Str("quick"))), ElementsAre("a", "c"));
  EXPECT_TRUE(Ids(*Term("title", Str("Quick"))).empty());  // text is indexed lowercased
  EXPECT_TRUE(Ids(*Term("title", Str("quick dog"))).empty());
  EXPECT_TRUE(Ids(*Term("unmapped", Str("x"))).empty());
  EXPECT_THAT(Run(*Term("tag", Str("blue"), 3.0f)), ElementsAre(Pair("b", 3.0f)));
}

TEST_F(QueriesTest, TermOnNumbersDatesAndBooleans) {
  EXPECT_THAT(Ids(*Term("n", Num(5))), ElementsAre("b"));
  EXPECT_THAT(Ids(*Term("n", Str("5"))), ElementsAre("b"));
  EXPECT_THAT(Ids(*Term("price", Num(2.5))), ElementsAre("b"));
  EXPECT_THAT(Ids(*Term("d", Str("2024-06-01"))), ElementsAre("b"));
  EXPECT_THAT(Ids(*Term("ok", Str("true"))), ElementsAre("a"));
  QueryValue f{QueryValue::Kind::kBool, "false", 0};
  EXPECT_THAT(Ids(*Term("ok", f)), ElementsAre("b"));
  EXPECT_THAT(Ids(TermsQuery("n", {Num(1), Num(7), Num(99)}, 1.0f)), ElementsAre("a", "d"));
}

TEST_F(QueriesTest, TermWithANonNumberOnANumericFieldIsAShardError) {
  ExpectShardError(*Term("n", Str("abc")),
                   "failed to parse value [abc] for field [n] of type [long]");
}

TEST_F(QueriesTest, RangeOnNumbers) {
  using B = RangeQuery::Bound;
  EXPECT_THAT(Ids(RangeQuery("n", B{Num(1), false}, B{Num(10), false}, 1)), ElementsAre("b", "d"));
  EXPECT_THAT(Ids(RangeQuery("n", B{Num(1), true}, B{Num(10), true}, 1)),
              ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Ids(RangeQuery("n", B{Num(6), true}, std::nullopt, 1)), ElementsAre("c", "d"));
  EXPECT_THAT(Ids(RangeQuery("n", std::nullopt, B{Str("5"), true}, 1)), ElementsAre("a", "b"));
  EXPECT_THAT(Ids(RangeQuery("price", B{Num(2), true}, std::nullopt, 1)), ElementsAre("b"));
}

TEST_F(QueriesTest, RangeOnDates) {
  using B = RangeQuery::Bound;
  EXPECT_THAT(Ids(RangeQuery("d", B{Str("2024-03-01"), true}, std::nullopt, 1)),
              ElementsAre("b", "c"));
  EXPECT_THAT(Ids(RangeQuery("d", B{Str("2024-01-01"), false}, B{Str("2025-01-01"), false}, 1)),
              ElementsAre("b"));
  EXPECT_THAT(Ids(RangeQuery("d", std::nullopt, B{Str("2024-01-01T00:00:00Z"), true}, 1)),
              ElementsAre("a"));
}

TEST_F(QueriesTest, RangeOnKeywordsIsLexicographic) {
  using B = RangeQuery::Bound;
  EXPECT_THAT(Ids(RangeQuery("tag", B{Str("b"), true}, B{Str("red"), true}, 1)),
              ElementsAre("a", "b", "c"));
  EXPECT_THAT(Ids(RangeQuery("tag", B{Str("blue"), false}, std::nullopt, 1)),
              ElementsAre("a", "c"));
  EXPECT_THAT(Ids(RangeQuery("tag", std::nullopt, B{Str("blue"), false}, 1)), ElementsAre("d"));
}

TEST_F(QueriesTest, ExistsOnLeafObjectAndKnnFields) {
  EXPECT_THAT(Ids(ExistsQuery("tag", 1)), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Ids(ExistsQuery("price", 1)), ElementsAre("a", "b"));
  EXPECT_THAT(Ids(ExistsQuery("title", 1)), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Ids(ExistsQuery("author", 1)), ElementsAre("a"));
  EXPECT_THAT(Ids(ExistsQuery("v", 1)), ElementsAre("a", "b", "c"));
  EXPECT_TRUE(Ids(ExistsQuery("nothing", 1)).empty());
}

TEST_F(QueriesTest, IdsPrefixMatchAndConstantScore) {
  EXPECT_THAT(Ids(IdsQuery({"c", "a", "zz", "a"}, 1)), ElementsAre("a", "c"));
  EXPECT_THAT(Ids(PrefixQuery("tag", "re", 1)), ElementsAre("a", "c"));
  EXPECT_THAT(Ids(Match("title", "QUICK fox", false)), ElementsAre("a", "c"));
  EXPECT_THAT(Ids(Match("title", "quick fox", true)), ElementsAre("a"));
  EXPECT_THAT(Ids(Match("tag", "red", false)), ElementsAre("a", "c"));  // keyword: exact
  EXPECT_THAT(Run(ConstantScoreQuery(Term("tag", Str("red"), 7.0f), 4.0f)),
              ElementsAre(Pair("a", 4.0f), Pair("c", 4.0f)));
}

TEST_F(QueriesTest, BoolSumsMustAndShouldScores) {
  BoolQuery q;
  q.must.push_back(Term("tag", Str("red"), 2.0f));
  q.should.push_back(Term("n", Num(1), 3.0f));
  EXPECT_THAT(Run(q), ElementsAre(Pair("a", 5.0f), Pair("c", 2.0f)));
  q.boost = 2.0f;
  EXPECT_THAT(Run(q), ElementsAre(Pair("a", 10.0f), Pair("c", 4.0f)));
}

TEST_F(QueriesTest, BoolFilterAndMustNotDoNotScore) {
  BoolQuery q;
  q.must.push_back(std::make_unique<MatchAllQuery>(1.0f));
  q.filter.push_back(
      std::make_unique<RangeQuery>("n", RangeQuery::Bound{Num(5), true}, std::nullopt, 9.0f));
  q.must_not.push_back(Term("tag", Str("red")));
  EXPECT_THAT(Run(q), ElementsAre(Pair("b", 1.0f), Pair("d", 1.0f)));

  BoolQuery filter_only;
  filter_only.filter.push_back(Term("tag", Str("red"), 5.0f));
  EXPECT_THAT(Run(filter_only), ElementsAre(Pair("a", 0.0f), Pair("c", 0.0f)));
}

TEST_F(QueriesTest, BoolShouldAloneRequiresOneMatch) {
  BoolQuery q;
  q.should.push_back(Term("tag", Str("blue")));
  q.should.push_back(Term("n", Num(7)));
  EXPECT_THAT(Run(q), ElementsAre(Pair("b", 1.0f), Pair("d", 1.0f)));
  // With a must clause, should is optional and only adds score.
  q.must.push_back(Term("tag", Str("red")));
  EXPECT_THAT(Run(q), ElementsAre(Pair("a", 1.0f), Pair("c", 1.0f)));
}

TEST_F(QueriesTest, BoolMinimumShouldMatch) {
  BoolQuery q;
  q.should.push_back(Term("tag", Str("red")));
  q.should.push_back(Term("title", Str("quick")));
  q.should.push_back(Term("n", Num(10)));
  q.minimum_should_match = 2;
  // "quick" on the text field is BM25-scored (N = 3, sumttf = 7, df = 2;
  // python, float32 steps as in bm25_test: 0.4208172559738159 for length 3,
  // 0.4991762638092041 for length 2).
  EXPECT_THAT(Run(q), ElementsAre(Pair("a", FloatEq(1.420817255973816f)),
                                  Pair("c", FloatEq(2.499176263809204f))));
  q.minimum_should_match = 3;
  EXPECT_THAT(Ids(q), ElementsAre("c"));
}

TEST_F(QueriesTest, KnnL2ScoresAndK) {
  // Squared distances from [1,0]: a 0, b 2, c 5.
  EXPECT_THAT(Run(*Knn("v", {1, 0}, 2)),
              ElementsAre(Pair("a", FloatEq(1.0f)), Pair("b", FloatEq(1.0f / 3.0f))));
  EXPECT_THAT(Run(*Knn("v", {1, 0}, 10)),
              ElementsAre(Pair("a", FloatEq(1.0f)), Pair("b", FloatEq(1.0f / 3.0f)),
                          Pair("c", FloatEq(1.0f / 6.0f))));
}

TEST_F(QueriesTest, KnnCosineSimilScores) {
  const float c = (1.0f + 1.0f / std::sqrt(2.0f)) / 2.0f;
  for (const char* field : {"vc", "vl"}) {
    EXPECT_THAT(Run(*Knn(field, {1, 0}, 3)),
                ElementsAre(Pair("a", FloatNear(1.0f, 1e-6)), Pair("b", FloatNear(0.5f, 1e-6)),
                            Pair("c", FloatNear(c, 1e-6))))
        << field;
  }
}

TEST_F(QueriesTest, KnnInnerProductScores) {
  // ip > 0: 1 + ip; ip <= 0: 1 / (1 - ip).
  EXPECT_THAT(
      Run(*Knn("vi", {1, 1}, 3)),
      ElementsAre(Pair("a", FloatEq(2.0f)), Pair("b", FloatEq(2.0f)), Pair("c", FloatEq(5.0f))));
  EXPECT_THAT(Run(*Knn("vi", {-1, 0}, 3)),
              ElementsAre(Pair("a", FloatEq(0.5f)), Pair("b", FloatEq(1.0f)),
                          Pair("c", FloatEq(1.0f / 3.0f))));
}

TEST_F(QueriesTest, KnnBoostMultipliesTheScore) {
  auto q = Knn("v", {1, 0}, 1);
  q->boost = 3.0f;
  EXPECT_THAT(Run(*q), ElementsAre(Pair("a", FloatEq(3.0f))));
}

TEST_F(QueriesTest, KnnFilterRestrictsCandidatesBeforeK) {
  auto q = Knn("v", {1, 0}, 1);
  q->filter = Term("tag", Str("red"));
  EXPECT_THAT(Run(*q), ElementsAre(Pair("a", FloatEq(1.0f))));
  q->filter = Term("tag", Str("blue"));
  EXPECT_THAT(Run(*q), ElementsAre(Pair("b", FloatEq(1.0f / 3.0f))));
  q->filter = Term("tag", Str("none"));
  EXPECT_TRUE(Run(*q).empty());
}

TEST_F(QueriesTest, KnnRadialByMinScoreAndMaxDistance) {
  auto by_score = Knn("v", {1, 0}, std::nullopt);
  by_score->min_score = 0.3f;
  EXPECT_THAT(Ids(*by_score), ElementsAre("a", "b"));
  auto by_distance = Knn("v", {1, 0}, std::nullopt);
  by_distance->max_distance = 2.0f;
  EXPECT_THAT(Ids(*by_distance), ElementsAre("a", "b"));
  by_distance->max_distance = 1.0f;
  EXPECT_THAT(Ids(*by_distance), ElementsAre("a"));
}

TEST_F(QueriesTest, KnnSkipsDeletedDocuments) {
  Write("a", "", index::OpType::kDelete);
  EXPECT_THAT(Ids(*Knn("v", {1, 0}, 1)), ElementsAre("b"));
}

TEST_F(QueriesTest, KnnShardErrors) {
  ExpectShardError(*Knn("tag", {1, 0}, 1), "Field 'tag' is not knn_vector type.");
  ExpectShardError(*Knn("missing", {1, 0}, 1), "Field 'missing' is not knn_vector type.");
  ExpectShardError(*Knn("v", {1, 0, 0}, 1),
                   "Query vector has invalid dimension: 3. Dimension should be: 2");
  ExpectShardError(*Knn("vc", {0, 0}, 1),
                   "zero vector is not supported when space type is [cosinesimil]");
  auto score = Knn("v", {1, 0}, std::nullopt);
  score->min_score = 1.5f;
  ExpectShardError(*score, "[knn] requires score to be in the range [0, 1] for space type: l2");
  auto distance = Knn("v", {1, 0}, std::nullopt);
  distance->max_distance = -1.0f;
  ExpectShardError(*distance, "[knn] requires distance to be non-negative for space type: l2");
}

TEST_F(QueriesTest, KnnOnAFieldWithoutAGraph) {
  auto mapping =
      index::Mapping::Parse(R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})", false);
  auto plain =
      index::Index::Create(store_.get(), "plain", *index::IndexSettings::Parse(""), *mapping, {});
  ASSERT_TRUE(plain.ok());
  index::Index::ReadGuard guard(**plain);
  auto r = Knn("v", {1, 0}, 1)->Execute(**plain);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().cause()->reason(),
            "failed to create query: Field 'v' is not built for ANN search.");
}

}  // namespace
}  // namespace sluice::search
