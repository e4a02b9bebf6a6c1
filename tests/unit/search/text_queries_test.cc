#include "search/text_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "index/test_store.h"
#include "search/queries.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

// Expected scores are computed independently in Python, every step rounded
// to float32 as Java does, with f = lambda x: struct.unpack('f', struct.pack('f', x))[0]:
//   idf(n, N) = f(log(1 + (N - n + 0.5) / (n + 0.5)));  avgdl = f(sumttf / N)
//   cache(dl) = f(1 / f(1.2 * f(f(1 - 0.75) + f(f(0.75 * b2i(i2b(dl))) / avgdl))))
//   w = f(f(boost * 2.2) * idf);  score = f(w - f(w / f(1 + f(freq * cache(dl)))))
//   (i2b/b2i: Lucene's SmallFloat.intToByte4/byte4ToInt), clause sums f(a + b).
// The corpus (standard analyzer), N = 4, sumttf = 4 + 8 + 43 + 2 = 57:
//   d1 "the quick brown fox"                       length 4
//   d2 "quick quick fox jumps over the brown dog"  length 8
//   d3 "fox w1 ... w41 quick"                      length 43, stored as 42
//   d4 "lazy dog"                                  length 2
class TextQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("{}");
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"body":{"type":"text"},"title":{"type":"text"},"tag":{"type":"keyword"},
            "en":{"type":"text","analyzer":"english"}}})",
        false);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "t", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    std::string filler;
    for (int w = 1; w <= 41; ++w) filler += " w" + std::to_string(w);
    Write("d1", R"({"body":"the quick brown fox","title":"fox","en":"The foxes are running"})");
    Write("d2", R"({"body":"quick quick fox jumps over the brown dog","title":"dog"})");
    Write("d3", R"({"body":"fox)" + filler + R"( quick"})");
    Write("d4", R"({"body":"lazy dog"})");
  }
  void Write(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    auto r = index_->Write({op});
    ASSERT_TRUE(r[0].status.ok()) << r[0].status.ToString();
  }
  std::map<std::string, float> Run(const Query& q) {
    index::Index::ReadGuard guard(*index_);
    auto docs = q.Execute(*index_);
    EXPECT_TRUE(docs.ok()) << docs.status().ToString();
    std::map<std::string, float> out;
    if (docs.ok()) {
      for (const auto& d : *docs) out[index_->id(d.doc)] = d.score;
    }
    return out;
  }
  std::map<std::string, float> Run(const std::string& query_json) {
    rapidjson::Document d;
    d.Parse(query_json.c_str());
    auto q = ParseQuery(d);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return {};
    return Run(**q);
  }
  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::Pair;

TEST_F(TextQueriesTest, MatchOrSumsBm25OfEachTerm) {
  EXPECT_THAT(Run(R"({"match":{"body":"Quick FOX"}})"),
              ElementsAre(Pair("d1", FloatEq(1.0107805728912354f)),
                          Pair("d2", FloatEq(0.9941027164459229f)),
                          Pair("d3", FloatEq(0.39704430103302f))));  // the rounded norm of 43
}

TEST_F(TextQueriesTest, MatchBoostGoesIntoEachTermWeight) {
  // python: s = score(1, 4, df 3, N 4, sumttf 57, boost 2); f(s + s)
  EXPECT_THAT(Run(R"({"match":{"body":{"query":"quick fox","boost":2}}})"),
              ::testing::Contains(Pair("d1", FloatEq(2.0215611457824707f))));
}

TEST_F(TextQueriesTest, MatchAndRequiresEveryTerm) {
  EXPECT_THAT(Run(R"({"match":{"body":{"query":"brown dog","operator":"and"}}})"),
              ElementsAre(Pair("d2", FloatEq(1.6894198656082153f))));
  EXPECT_THAT(Run(R"({"match":{"body":{"query":"brown dog lazy","minimum_should_match":"2"}}})"),
              ElementsAre(Pair("d2", ::testing::_), Pair("d4", ::testing::_)));
  EXPECT_THAT(Run(R"({"match":{"body":{"query":"brown dog lazy","minimum_should_match":"-34%"}}})"),
              ElementsAre(Pair("d2", ::testing::_), Pair("d4", ::testing::_)));
}

TEST_F(TextQueriesTest, TermOnTextIsBm25AndBoostScales) {
  EXPECT_THAT(Run(R"({"term":{"body":{"value":"quick","boost":2}}})"),
              ElementsAre(Pair("d1", ::testing::_), Pair("d2", ::testing::_),
                          Pair("d3", FloatEq(0.39704430103302f))));
  EXPECT_TRUE(Run(R"({"term":{"body":"Quick"}})").empty());  // terms are not analyzed
}

TEST_F(TextQueriesTest, MatchPhraseExactAndSloppy) {
  EXPECT_THAT(Run(R"({"match_phrase":{"body":"quick fox"}})"),
              ElementsAre(Pair("d2", FloatEq(0.8693301677703857f))));
  // slop 1: d1's "quick brown fox" is a match of length 1 (freq 1/2); d2 keeps freq 1.
  EXPECT_THAT(Run(R"({"match_phrase":{"body":{"query":"quick fox","slop":1}}})"),
              ElementsAre(Pair("d1", FloatEq(0.7454506158828735f)),
                          Pair("d2", FloatEq(0.8693301677703857f))));
}

TEST_F(TextQueriesTest, PhraseFreqFollowsLuceneMatchers) {
  std::vector<int32_t> a{0, 1, 10}, b{2, 12};
  EXPECT_FLOAT_EQ(PhraseFreq({&a, &b}, {0, 1}, 0), 1.0f);  // 1→2
  // Sloppy: 1→2 (length 0) then 10→12 (length 1): 1 + 1/2.
  EXPECT_FLOAT_EQ(PhraseFreq({&a, &b}, {0, 1}, 1), 1.5f);
  // Reversed order costs 2 per swap: "fox quick" within slop 2 of "quick fox".
  std::vector<int32_t> fox{5}, quick{4};
  EXPECT_FLOAT_EQ(PhraseFreq({&fox, &quick}, {0, 1}, 2), 1.0f / 3.0f);
  EXPECT_FLOAT_EQ(PhraseFreq({&fox, &quick}, {0, 1}, 1), 0.0f);
}

TEST_F(TextQueriesTest, MultiMatchBestFieldsTakesTheBestFieldPlusTieBreaker) {
  auto body = Run(R"({"match":{"body":"fox"}})");
  auto title = Run(R"({"match":{"title":"fox"}})");
  auto best = Run(R"({"multi_match":{"query":"fox","fields":["body","title"],"tie_breaker":0.5}})");
  ASSERT_EQ(best.size(), 3u);
  float hi = std::max(body["d1"], title["d1"]), lo = std::min(body["d1"], title["d1"]);
  EXPECT_FLOAT_EQ(best["d1"], hi + 0.5f * lo);
  auto most =
      Run(R"({"multi_match":{"query":"fox","fields":["body","title^2"],"type":"most_fields"}})");
  EXPECT_FLOAT_EQ(most["d1"], body["d1"] + 2 * title["d1"]);
  // cross_fields over one field is that field's match query.
  auto cross = Run(R"({"multi_match":{"query":"fox","fields":["body"],"type":"cross_fields"}})");
  EXPECT_EQ(cross, body);
}

TEST_F(TextQueriesTest, EnglishAnalyzedFieldMatchesStems) {
  EXPECT_THAT(Run(R"({"match":{"en":"fox run"}})"), ElementsAre(Pair("d1", ::testing::_)));
  // "are" is a stop word: its position stays, in the query as in the document.
  EXPECT_THAT(Run(R"({"match_phrase":{"en":"foxes are running"}})"),
              ElementsAre(Pair("d1", ::testing::_)));
  EXPECT_TRUE(Run(R"({"match_phrase":{"en":"foxes running"}})").empty());
}

TEST_F(TextQueriesTest, MatchBoolPrefixExpandsTheLastTerm) {
  EXPECT_THAT(Run(R"({"match_bool_prefix":{"body":{"query":"lazy do","operator":"and"}}})"),
              ElementsAre(Pair("d4", ::testing::_)));
}

TEST_F(TextQueriesTest, UpdatesAndDeletesChangeStatistics) {
  index::WriteOp del;
  del.type = index::OpType::kDelete;
  del.id = "d4";
  ASSERT_TRUE(index_->Write({del})[0].status.ok());
  Write("d3", R"({"body":"lazy dog"})");
  // Now N = 3, sumttf = 4 + 8 + 2 = 14; "quick" in d1 and d2 (idf(2, 3)).
  // python: score(1, 4, idf(2,3), 3, 14) = 0.4991762638092041
  EXPECT_THAT(Run(R"({"term":{"body":"quick"}})"),
              ElementsAre(Pair("d1", FloatEq(0.4991762638092041f)), Pair("d2", ::testing::_)));
}

TEST_F(TextQueriesTest, PostingsSurviveReopenAndAreBuiltForOldDocuments) {
  auto before = Run(R"({"match":{"body":"quick fox"}})");
  // Simulate a data directory written before postings existed: drop them and the marker.
  {
    storage::WriteBatch batch;
    std::string begin = index_->uuid() + std::string(1, '\0');
    std::string end = index_->uuid() + std::string(1, '\1');
    batch.DeleteRange(storage::Column::kPostings, begin, end);
    batch.DeleteRange(storage::Column::kTextStats, begin, end);
    batch.Delete(storage::Column::kMeta, "textidx/" + index_->uuid());
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  index_.reset();
  store_.Reopen();
  auto meta = store_->Get(storage::Column::kMeta, "index/t");
  ASSERT_TRUE(meta.ok() && meta->has_value());
  auto reopened = index::Index::Open(store_.get(), "t", **meta, testutil::OneThread());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  index_ = *reopened;
  EXPECT_EQ(Run(R"({"match":{"body":"quick fox"}})"), before);
}

TEST(MinimumShouldMatch, FollowsOpenSearchArithmetic) {
  EXPECT_EQ(MinimumShouldMatch("2", 3), 2);
  EXPECT_EQ(MinimumShouldMatch("-1", 3), 2);
  EXPECT_EQ(MinimumShouldMatch("75%", 3), 2);   // floor(2.25)
  EXPECT_EQ(MinimumShouldMatch("-25%", 3), 3);  // 3 - floor(0.75)
  EXPECT_EQ(MinimumShouldMatch("2<50%", 2), 2);
  EXPECT_EQ(MinimumShouldMatch("2<50%", 5), 2);
  EXPECT_EQ(MinimumShouldMatch("9", 3), 9);  // more than there are: nothing matches
  EXPECT_EQ(MinimumShouldMatch("x%", 3), std::nullopt);
}

}  // namespace
}  // namespace sluice::search
