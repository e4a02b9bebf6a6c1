#include "search/intervals_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <set>

#include "index/test_store.h"
#include "search/lucene_regexp.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::vector<std::pair<int, int>> Spans(const IntervalList& l) {
  std::vector<std::pair<int, int>> out;
  for (const auto& i : l) out.emplace_back(i.start, i.end);
  return out;
}

IntervalList Points(std::initializer_list<int> ps) {
  IntervalList out;
  for (int p : ps) out.push_back({p, p, 0});
  return out;
}

TEST(IntervalAlgebraTest, OrderedKeepsMinimalChains) {
  // a at 0 and 3, b at 5: only [3,5] is minimal ([0,5] contains it).
  EXPECT_THAT(Spans(OrderedIntervals({Points({0, 3}), Points({5})})),
              ElementsAre(std::pair(3, 5)));
  // b must start after a ends.
  EXPECT_TRUE(OrderedIntervals({Points({4}), Points({2})}).empty());
  auto gaps = OrderedIntervals({Points({1}), Points({4})});
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].gaps, 2);
}

TEST(IntervalAlgebraTest, UnorderedAllowsEitherOrderAndOverlap) {
  EXPECT_THAT(Spans(UnorderedIntervals({Points({5}), Points({2, 9})})),
              ElementsAre(std::pair(2, 5), std::pair(5, 9)));
  // The same position satisfies two sources (overlap is allowed).
  EXPECT_THAT(Spans(UnorderedIntervals({Points({3}), Points({3})})), ElementsAre(std::pair(3, 3)));
}

TEST(IntervalAlgebraTest, PhraseNeedsAdjacentPositions) {
  EXPECT_THAT(Spans(PhraseIntervals({Points({1, 6}), Points({2, 8})})),
              ElementsAre(std::pair(1, 2)));
}

TEST(IntervalAlgebraTest, MaxGapsDropsWideIntervals) {
  auto l = OrderedIntervals({Points({0, 10}), Points({3, 11})});
  EXPECT_THAT(Spans(MaxGapsIntervals(l, 0)), ElementsAre(std::pair(10, 11)));
  EXPECT_THAT(Spans(MaxGapsIntervals(l, 2)), ElementsAre(std::pair(0, 3), std::pair(10, 11)));
}

TEST(IntervalAlgebraTest, FiltersCompareWithTheReference) {
  IntervalList a = {{2, 4, 0}, {8, 9, 0}};
  IntervalList b = Points({3});
  EXPECT_THAT(Spans(FilterIntervals(a, IntervalFilter::kContaining, b)),
              ElementsAre(std::pair(2, 4)));
  EXPECT_THAT(Spans(FilterIntervals(a, IntervalFilter::kNotContaining, b)),
              ElementsAre(std::pair(8, 9)));
  EXPECT_THAT(Spans(FilterIntervals(a, IntervalFilter::kAfter, b)), ElementsAre(std::pair(8, 9)));
  EXPECT_THAT(Spans(FilterIntervals(a, IntervalFilter::kBefore, Points({6}))),
              ElementsAre(std::pair(2, 4)));
  EXPECT_THAT(Spans(FilterIntervals(Points({3}), IntervalFilter::kContainedBy, a)),
              ElementsAre(std::pair(3, 3)));
  EXPECT_THAT(Spans(FilterIntervals(a, IntervalFilter::kOverlapping, {{4, 8, 0}})),
              ElementsAre(std::pair(2, 4), std::pair(8, 9)));
  EXPECT_TRUE(FilterIntervals(a, IntervalFilter::kNotOverlapping, {{4, 8, 0}}).empty());
}

TEST(IntervalAlgebraTest, EditDistanceCountsTranspositionsOnce) {
  EXPECT_EQ(EditDistance(U"cald", U"cold", true), 1);
  EXPECT_EQ(EditDistance(U"ocld", U"cold", true), 1);
  EXPECT_EQ(EditDistance(U"ocld", U"cold", false), 2);
}

TEST(LuceneRegexpTest, TranslatesToRe2) {
  EXPECT_EQ(*LuceneRegexpToRe2("at[a-z]{2,}here", kRegexpAll), "(?s)at[a-z]{2,}here");
  EXPECT_EQ(*LuceneRegexpToRe2("a\"b.c\"@", kRegexpAll), "(?s)ab\\.c(?:.*)");
  EXPECT_EQ(*LuceneRegexpToRe2("a~b", kRegexpNone), "(?s)a\\~b");
  EXPECT_FALSE(LuceneRegexpToRe2("a~b", kRegexpAll).ok());
  EXPECT_FALSE(LuceneRegexpToRe2("[ab", kRegexpAll).ok());
  EXPECT_EQ(WildcardToRe2("out?ide*"), "(?s)out.ide.*");
  EXPECT_EQ(LiteralPrefixOfWildcard("out?ide"), "out");
  EXPECT_EQ(*ParseRegexpFlags("INTERSECTION|COMPLEMENT"), 3);
  EXPECT_FALSE(ParseRegexpFlags("BOGUS").ok());
}

// The corpus of OpenSearch's search/230_interval_query.yml.
class IntervalsQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("{}");
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"text":{"type":"text"},"tag":{"type":"keyword"}}})", false);
    ASSERT_TRUE(mapping.ok());
    auto i = index::Index::Create(store_.get(), "t", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    const char* texts[] = {"Some like hot and dry, some like it cold and wet",
                           "Its cold outside, theres no kind of atmosphere",
                           "Baby its cold there outside",
                           "Outside it is cold and wet",
                           "cold rain makes it wet",
                           "that is some cold cold rain"};
    std::vector<index::WriteOp> ops;
    for (int d = 0; d < 6; ++d) {
      index::WriteOp op;
      op.id = std::to_string(d + 1);
      op.source = std::string(R"({"text":")") + texts[d] + R"(","tag":"k"})";
      ops.push_back(op);
    }
    for (const auto& r : index_->Write(ops)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  }
  util::Result<std::map<std::string, float>> Try(const std::string& rule) {
    rapidjson::Document d;
    d.Parse(("{\"intervals\":{\"text\":" + rule + "}}").c_str());
    EXPECT_FALSE(d.HasParseError()) << rule;
    SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(d));
    index::Index::ReadGuard guard(*index_);
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(*index_));
    std::map<std::string, float> out;
    for (const auto& doc : docs) out[index_->id(doc.doc)] = doc.score;
    return out;
  }
  std::set<std::string> Ids(const std::string& rule) {
    auto r = Try(rule);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::set<std::string> out;
    if (r.ok()) {
      for (const auto& [id, score] : *r) out.insert(id);
    }
    return out;
  }
  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(IntervalsQueryTest, MatchModes) {
  EXPECT_THAT(Ids(R"({"match":{"query":"cold outside"}})"), UnorderedElementsAre("2", "3", "4"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold outside","mode":"ordered"}})"),
              UnorderedElementsAre("2", "3"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold outside","ordered":true,"max_gaps":0}})"),
              UnorderedElementsAre("2"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold outside","max_gaps":1}})"),
              UnorderedElementsAre("2", "3"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold wet it"}})"), UnorderedElementsAre("1", "4", "5"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold wet it","mode":"unordered_no_overlap"}})"),
              UnorderedElementsAre("1", "4"));
}

TEST_F(IntervalsQueryTest, Combinations) {
  EXPECT_THAT(Ids(R"({"all_of":{"intervals":[{"any_of":{"intervals":[{"match":{"query":"cold"}},
                 {"match":{"query":"outside"}}]}},{"match":{"query":"atmosphere"}}],
                 "mode":"ordered"}})"),
              UnorderedElementsAre("2"));
  EXPECT_EQ(Ids(R"({"all_of":{"intervals":[{"any_of":{"intervals":[{"match":{"query":"cold"}},
                 {"match":{"query":"hot"}}]}},{"match":{"query":"cold"}}]}})")
                .size(),
            6u);
  EXPECT_THAT(Ids(R"({"all_of":{"intervals":[{"any_of":{"intervals":[{"match":{"query":"cold"}},
                 {"match":{"query":"hot"}}]}},{"match":{"query":"cold"}}],
                 "mode":"unordered_no_overlap"}})"),
              UnorderedElementsAre("1", "6"));
}

TEST_F(IntervalsQueryTest, Filters) {
  const std::string cold_outside =
      R"("all_of":{"intervals":[{"match":{"query":"cold"}},{"match":{"query":"outside"}}])";
  EXPECT_THAT(Ids("{" + cold_outside + R"(,"filter":{"containing":{"match":{"query":"is"}}}}})"),
              UnorderedElementsAre("4"));
  EXPECT_THAT(Ids("{" + cold_outside +
                  R"(,"filter":{"not_containing":{"match":{"query":"is"}}}}})"),
              UnorderedElementsAre("2", "3"));
  EXPECT_THAT(Ids(R"({"match":{"query":"it","filter":{"not_contained_by":{)" + cold_outside +
                  "}}}}}"),
              UnorderedElementsAre("1", "5"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold","filter":{"before":{"match":{"query":"outside"}}}}})"),
              UnorderedElementsAre("2", "3"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold","filter":{"after":{"match":{"query":"outside"}}}}})"),
              UnorderedElementsAre("4"));
  EXPECT_THAT(Ids(R"({"match":{"query":"cold outside","mode":"ordered","filter":{"overlapping":
                 {"match":{"query":"baby there"}}}}})"),
              UnorderedElementsAre("3"));
}

TEST_F(IntervalsQueryTest, TermPatterns) {
  const std::string cold = R"({"match":{"query":"cold"}})";
  EXPECT_THAT(Ids(R"({"all_of":{"intervals":[)" + cold + R"(,{"prefix":{"prefix":"OUT"}}]}})"),
              UnorderedElementsAre("2", "3", "4"));
  EXPECT_THAT(Ids(R"({"all_of":{"intervals":[)" + cold +
                  R"(,{"wildcard":{"pattern":"out?ide"}}]}})"),
              UnorderedElementsAre("2", "3", "4"));
  EXPECT_THAT(Ids(R"({"all_of":{"intervals":[{"fuzzy":{"term":"cald"}},
                 {"prefix":{"prefix":"out"}}]}})"),
              UnorderedElementsAre("2", "3", "4"));
  EXPECT_THAT(Ids(R"({"regexp":{"pattern":"at[a-z]{2,}here"}})"), UnorderedElementsAre("2"));
  EXPECT_TRUE(Ids(R"({"regexp":{"pattern":"AT[a-z]{2,}HERE"}})").empty());
  EXPECT_THAT(Ids(R"({"regexp":{"pattern":"AT[a-z]{2,}HERE","case_insensitive":true}})"),
              UnorderedElementsAre("2"));
  // fuzziness 0 is an exact term.
  EXPECT_TRUE(Ids(R"({"fuzzy":{"term":"cald","fuzziness":0}})").empty());
}

TEST_F(IntervalsQueryTest, ScoresSaturateIntervalFrequency) {
  auto r = Try(R"({"match":{"query":"cold"},"boost":2})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Doc 6 holds "cold" twice: freq 2, 2 * 2 / 3; once: freq 1, 2 * 1 / 2.
  EXPECT_FLOAT_EQ(r->at("6"), 4.0f / 3.0f);
  EXPECT_FLOAT_EQ(r->at("1"), 1.0f);
}

TEST_F(IntervalsQueryTest, RefusesWhatItCannotRun) {
  auto keyword = [&] {
    rapidjson::Document d;
    d.Parse(R"({"intervals":{"tag":{"match":{"query":"k"}}}})");
    auto q = ParseQuery(d);
    EXPECT_TRUE(q.ok());
    index::Index::ReadGuard guard(*index_);
    return (*q)->Execute(*index_).status();
  }();
  EXPECT_EQ(keyword.code(), util::Code::kInvalidArgument);
  EXPECT_FALSE(Try(R"({"bogus":{}})").ok());
  EXPECT_FALSE(Try(R"({"match":{"query":"x","mode":"sideways"}})").ok());
  EXPECT_FALSE(Try(R"({"match":{"query":"x","filter":{"script":{"source":"true"}}}})").ok());
  EXPECT_FALSE(Try(R"({"regexp":{"pattern":"a~b"}})").ok());
}

}  // namespace
}  // namespace sluice::search
