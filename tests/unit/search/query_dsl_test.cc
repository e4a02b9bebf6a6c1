// match_phrase_prefix, the multi_match types, regexp, span queries and rescore on a small
// index: which documents match and with what score.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "index/test_store.h"
#include "search/query_parser.h"
#include "search/search_request.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;
using ::testing::Pair;

// Expected scores are computed independently in Python with float32 rounding
// at every step (see text_queries_test.cc for the formulas). The corpus
// (standard analyzer), every field length exact:
//   field a: d1 "red fox", d2 "red fish", d3 "blue whale"   N = 3, sumttf = 6
//   field b: d1 "quick",   d2 "red red",  d3 "fox hunt"     N = 3, sumttf = 5
//   field k (keyword): d1 "Alpha-1", d2 "beta-2", d3 "alphabet"
class QueryDslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse(R"({"index.max_regex_length":20})");
    ASSERT_TRUE(settings.ok()) << settings.status().ToString();
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"a":{"type":"text"},"b":{"type":"text"},"k":{"type":"keyword"},
            "n":{"type":"long"}}})",
        false);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "t", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("d1", R"({"a":"red fox","b":"quick","k":"Alpha-1","n":1})");
    Write("d2", R"({"a":"red fish","b":"red red","k":"beta-2","n":2})");
    Write("d3", R"({"a":"blue whale","b":"fox hunt","k":"alphabet","n":3})");
  }
  void Write(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    auto r = index_->Write({op});
    ASSERT_TRUE(r[0].status.ok()) << r[0].status.ToString();
  }
  util::Result<std::map<std::string, float>> TryRun(const Query& q) {
    index::Index::ReadGuard guard(*index_);
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q.Execute(*index_));
    std::map<std::string, float> out;
    for (const auto& d : docs) out[index_->id(d.doc)] = d.score;
    return out;
  }
  util::Result<std::unique_ptr<Query>> Parse(const std::string& query_json) {
    rapidjson::Document d;
    d.Parse(query_json.c_str());
    return ParseQuery(d);
  }
  std::map<std::string, float> Run(const std::string& query_json) {
    auto q = Parse(query_json);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return {};
    auto r = TryRun(**q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::map<std::string, float>();
  }
  // The message of the innermost cause of the error query_json raises.
  std::string ErrorOf(const std::string& query_json) {
    auto q = Parse(query_json);
    util::Status s = q.ok() ? TryRun(**q).status() : q.status();
    std::string out = s.ToString();
    for (const util::Status* c = &s; c != nullptr; c = c->cause()) out += " | " + c->reason();
    return out;
  }
  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(QueryDslTest, PhrasePrefixExpandsTheLastTermAndSumsEveryIdf) {
  // "red fi": red at 0, then any term starting with "fi" at 1 (fish); the
  // weight's idf is idf(red) + idf(fish).
  EXPECT_THAT(Run(R"({"match_phrase_prefix":{"a":"red fi"}})"),
              ElementsAre(Pair("d2", FloatEq(1.4508328f))));
  // One term: the expansions' term queries (fox).
  EXPECT_THAT(Run(R"({"match_phrase_prefix":{"a":{"query":"fo"}}})"),
              ElementsAre(Pair("d1", FloatEq(0.9808291f))));
  // max_expansions 0 expands to nothing; slop lets the prefix come later.
  EXPECT_TRUE(Run(R"({"match_phrase_prefix":{"a":{"query":"fo","max_expansions":0}}})").empty());
  EXPECT_THAT(Run(R"({"match_phrase_prefix":{"b":{"query":"fox h","slop":0}}})"),
              ElementsAre(Pair("d3", ::testing::_)));
  EXPECT_TRUE(Run(R"({"match_phrase_prefix":{"b":"hunt f"}})").empty());
  EXPECT_THAT(Run(R"({"match_phrase_prefix":{"b":{"query":"hunt f","slop":2}}})"),
              ElementsAre(Pair("d3", ::testing::_)));
}

TEST_F(QueryDslTest, PhrasePrefixRefusesMatchOptionsAsOpenSearch) {
  EXPECT_THAT(ErrorOf(R"({"match_phrase_prefix":{"a":{"query":"x","fuzziness":1}}})"),
              HasSubstr("[match_phrase_prefix] query does not support [fuzziness]"));
  EXPECT_THAT(ErrorOf(R"({"match_phrase_prefix":{"a":{"query":"x","operator":"and"}}})"),
              HasSubstr("[match_phrase_prefix] query does not support [operator]"));
  EXPECT_THAT(ErrorOf(R"({"match_phrase_prefix":{"n":"1"}})"),
              HasSubstr("Can only use phrase prefix queries on text fields"));
}

TEST_F(QueryDslTest, MultiMatchTypesCombineFieldQueries) {
  const float a_red = 0.4700036f, b_red_d2 = 1.276819f;
  // best_fields: the best field; most_fields: the sum.
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red","fields":["a","b"]}})"),
              ElementsAre(Pair("d1", FloatEq(a_red)), Pair("d2", FloatEq(b_red_d2))));
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red","fields":["a","b"],"type":"most_fields"}})"),
              ElementsAre(Pair("d1", FloatEq(a_red)), Pair("d2", FloatEq(1.7468226f))));
  // Field boosts and patterns; "*" (no fields) takes every text and keyword field.
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red","fields":["a^3","b"]}})"),
              ElementsAre(Pair("d1", ::testing::_), Pair("d2", FloatEq(0.4700036f * 3))));
  EXPECT_THAT(Run(R"({"multi_match":{"query":"fox","fields":["*"]}})"),
              ElementsAre(Pair("d1", ::testing::_), Pair("d3", ::testing::_)));
  EXPECT_THAT(Run(R"({"multi_match":{"query":"beta-2"}})"), ElementsAre(Pair("d2", 1.0f)));
  EXPECT_TRUE(Run(R"({"multi_match":{"query":"red","fields":["nope*","missing"]}})").empty());
  // phrase, phrase_prefix and bool_prefix build their match queries per field.
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red fox","fields":["a","b"],"type":"phrase"}})"),
              ElementsAre(Pair("d1", ::testing::_)));
  EXPECT_THAT(
      Run(R"({"multi_match":{"query":"red fi","fields":["a","b"],"type":"phrase_prefix"}})"),
      ElementsAre(Pair("d2", FloatEq(1.4508328f))));
  EXPECT_THAT(Run(R"({"multi_match":{"query":"hu","fields":["a","b"],"type":"bool_prefix"}})"),
              ElementsAre(Pair("d3", 1.0f)));
}

TEST_F(QueryDslTest, CrossFieldsBlendsDocumentFrequencies) {
  // red: df 2 in a, 1 in b. Blended: a keeps 2, b (less frequent) gets 3,
  // each capped by its field's doc count (3); then max plus 0.5 times the other.
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red","fields":["a","b"],"type":"cross_fields",
              "tie_breaker":0.5}})"),
              ElementsAre(Pair("d1", FloatEq(0.4700036f)), Pair("d2", FloatEq(0.55691755f))));
  // operator and: every term in some field.
  EXPECT_THAT(Run(R"({"multi_match":{"query":"red quick","fields":["a","b"],"type":"cross_fields",
              "operator":"and"}})"),
              ElementsAre(Pair("d1", ::testing::_)));
}

TEST_F(QueryDslTest, MultiMatchChecksOptionsPerType) {
  EXPECT_THAT(
      ErrorOf(R"({"multi_match":{"query":"x","fields":["a"],"type":"bool_prefix","slop":1}})"),
      HasSubstr("[slop] not allowed for type [bool_prefix]"));
  EXPECT_THAT(ErrorOf(R"({"multi_match":{"query":"x","type":"bool_prefix","cutoff_frequency":1}})"),
              HasSubstr("[cutoff_frequency] not allowed for type [bool_prefix]"));
  EXPECT_THAT(ErrorOf(R"({"multi_match":{"query":"x","type":"phrase","fuzziness":1}})"),
              HasSubstr("Fuzziness not allowed for type [phrase]"));
  EXPECT_THAT(ErrorOf(R"({"multi_match":{"query":"x","type":"nope"}})"),
              HasSubstr("failed to parse [multi_match] query type [nope]. unknown type."));
  EXPECT_THAT(ErrorOf(R"({"multi_match":{"query":"x","bogus":1}})"),
              HasSubstr("[multi_match] query does not support [bogus]"));
}

TEST_F(QueryDslTest, RegexpMatchesWholeTermsAndKeywordValues) {
  EXPECT_THAT(Run(R"({"regexp":{"a":"f.*"}})"), ElementsAre(Pair("d1", 1.0f), Pair("d2", 1.0f)));
  EXPECT_THAT(Run(R"({"regexp":{"a":{"value":"f[io].","boost":2}}})"),
              ElementsAre(Pair("d1", 2.0f)));
  EXPECT_THAT(Run(R"({"regexp":{"k":"alpha.*"}})"), ElementsAre(Pair("d3", 1.0f)));
  EXPECT_THAT(Run(R"({"regexp":{"k":{"value":"alpha.*","case_insensitive":true}}})"),
              ElementsAre(Pair("d1", 1.0f), Pair("d3", 1.0f)));
  // Without INTERVAL, <1-2> is literal text; with it, unsupported by RE2.
  EXPECT_TRUE(Run(R"({"regexp":{"k":{"value":"beta-<1-2>","flags":"NONE"}}})").empty());
  EXPECT_TRUE(Run(R"({"regexp":{"missing":"x"}})").empty());
}

TEST_F(QueryDslTest, RegexpErrorsAsOpenSearch) {
  EXPECT_THAT(ErrorOf(R"({"regexp":{"a":"aaaaaaaaaaaaaaaaaaaaa"}})"),
              HasSubstr("The length of regex [21] used in the Regexp Query request has exceeded "
                        "the allowed maximum of [20]. This maximum can be set by changing the "
                        "[index.max_regex_length] index level setting."));
  EXPECT_THAT(ErrorOf(R"({"regexp":{"n":"1"}})"),
              HasSubstr("Can only use regexp queries on keyword and text fields - not on [n] "
                        "which is of type [long]"));
  EXPECT_THAT(ErrorOf(R"({"regexp":{"a":{"value":"x","flags":"BOGUS"}}})"),
              HasSubstr("Unknown regexp flag [BOGUS]"));
  EXPECT_THAT(ErrorOf(R"({"regexp":{"a":{"value":"x","nope":1}}})"),
              HasSubstr("[regexp] query does not support [nope]"));
}

TEST_F(QueryDslTest, SpanNearScoresItsSpansWidthsWithTheIdfOfItsTerms) {
  // Ordered, slop 0: a phrase (idf(red) + idf(fox), freq 1).
  EXPECT_THAT(Run(R"({"span_near":{"clauses":[{"span_term":{"a":"red"}},{"span_term":{"a":"fox"}}],
                       "slop":0}})"),
              ElementsAre(Pair("d1", FloatEq(1.4508328f))));
  EXPECT_TRUE(
      Run(R"({"span_near":{"clauses":[{"span_term":{"a":"fox"}},{"span_term":{"a":"red"}}]}})")
          .empty());
  EXPECT_THAT(Run(R"({"span_near":{"clauses":[{"span_term":{"a":"fox"}},{"span_term":{"a":"red"}}],
                       "in_order":false}})"),
              ElementsAre(Pair("d1", FloatEq(1.4508328f))));
  // "red red" holds one ordered red-red span; the idf counts red once.
  EXPECT_THAT(
      Run(R"({"span_near":{"clauses":[{"span_term":{"b":"red"}},{"span_term":{"b":"red"}}]}})"),
      ElementsAre(Pair("d2", FloatEq(0.90664887f))));
  // span_multi expands a prefix; span_or, span_first and span_not filter spans.
  EXPECT_THAT(Run(R"({"span_near":{"clauses":[{"span_term":{"a":"red"}},
                       {"span_multi":{"match":{"prefix":{"a":"fi"}}}}]}})"),
              ElementsAre(Pair("d2", ::testing::_)));
  EXPECT_THAT(
      Run(R"({"span_or":{"clauses":[{"span_term":{"a":"fox"}},{"span_term":{"a":"whale"}}]}})"),
      ElementsAre(Pair("d1", ::testing::_), Pair("d3", ::testing::_)));
  EXPECT_THAT(Run(R"({"span_first":{"match":{"span_term":{"a":"fox"}},"end":1}})").size(), 0u);
  EXPECT_THAT(Run(R"({"span_first":{"match":{"span_term":{"a":"red"}},"end":1}})").size(), 2u);
  EXPECT_THAT(Run(R"({"span_not":{"include":{"span_term":{"a":"red"}},
                       "exclude":{"span_term":{"a":"fox"}},"post":1}})"),
              ElementsAre(Pair("d2", ::testing::_)));
}

TEST_F(QueryDslTest, SpanErrorsAsOpenSearch) {
  EXPECT_THAT(ErrorOf(R"({"span_near":{"clauses":[{"term":{"a":"x"}}]}})"),
              HasSubstr("span_near [clauses] must be of type span query"));
  EXPECT_THAT(
      ErrorOf(R"({"span_or":{"clauses":[{"span_term":{"a":"x"}},{"span_term":{"b":"x"}}]}})"),
      HasSubstr("Clauses must have same field."));
  EXPECT_THAT(ErrorOf(R"({"span_first":{"match":{"span_term":{"a":"x"}}}})"),
              HasSubstr("span_first must have [end] set for it"));
  EXPECT_THAT(ErrorOf(R"({"span_multi":{"match":{"term":{"a":"x"}}}})"),
              HasSubstr("[span_multi] [match] must be of type multi term query"));
  EXPECT_THAT(ErrorOf(R"({"span_near":{"clauses":[{"span_term":{"a":"x"}}],"bogus":1}})"),
              HasSubstr("[span_near] query does not support [bogus]"));
}

// Rescoring, through the search request that carries it.
class RescoreTest : public QueryDslTest {
 protected:
  std::map<std::string, float> Search(const std::string& body) {
    auto request = ParseSearchRequest(body, false);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    if (!request.ok()) return {};
    auto r = TryRun(*request->query);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::map<std::string, float>();
  }
};

TEST_F(RescoreTest, WindowDocsCombineBothScoresOthersTakeTheQueryWeight) {
  // match_all scores 1: the window is d1, d2 (doc order breaks the tie).
  EXPECT_THAT(Search(R"({"query":{"match_all":{}},"rescore":{"window_size":2,"query":{
                         "rescore_query":{"match_all":{}},"query_weight":5,
                         "rescore_query_weight":10}}})"),
              ElementsAre(Pair("d1", 15.0f), Pair("d2", 15.0f), Pair("d3", 5.0f)));
  // A window document the rescore query misses keeps score * query_weight.
  EXPECT_THAT(Search(R"({"query":{"match_all":{}},"rescore":[{"window_size":3,"query":{
                         "rescore_query":{"term":{"k":"beta-2"}},"query_weight":2,
                         "score_mode":"multiply"}}]})"),
              ElementsAre(Pair("d1", 2.0f), Pair("d2", 2.0f), Pair("d3", 2.0f)));
  EXPECT_THAT(Search(R"({"query":{"match_all":{}},"rescore":{"query":{
                         "rescore_query":{"constant_score":{"filter":{"term":{"k":"beta-2"}},
                         "boost":7}},"score_mode":"max"}}})"),
              ElementsAre(Pair("d1", 1.0f), Pair("d2", 7.0f), Pair("d3", 1.0f)));
  EXPECT_THAT(Search(R"({"query":{"match_all":{}},"rescore":{"query":{
                         "rescore_query":{"constant_score":{"filter":{"term":{"k":"beta-2"}},
                         "boost":7}},"score_mode":"avg"}}})"),
              ElementsAre(Pair("d1", 1.0f), Pair("d2", 4.0f), Pair("d3", 1.0f)));
}

TEST_F(RescoreTest, RefusesWhatOpenSearchRefuses) {
  auto error = [&](const std::string& body) {
    auto r = ParseSearchRequest(body, false);
    if (!r.ok()) return r.status().ToString();
    auto run = TryRun(*r->query);
    std::string out = run.status().ToString();
    for (const util::Status* c = &run.status(); c != nullptr; c = c->cause()) out += c->reason();
    return out;
  };
  EXPECT_THAT(
      error(R"({"rescore":{"window_size":10001,"query":{"rescore_query":{"match_all":{}}}}})"),
      HasSubstr("Rescore window [10001] is too large. It must be less than [10000]."));
  EXPECT_THAT(error(R"({"sort":["n"],"rescore":{"query":{"rescore_query":{"match_all":{}}}}})"),
              HasSubstr("Cannot use [sort] option in conjunction with [rescore]."));
  EXPECT_THAT(error(R"({"rescore":{"query":{"query_weight":1}}})"),
              HasSubstr("rescore_query cannot be null"));
  EXPECT_THAT(error(R"({"rescore":{"query":{"rescore_query":{"match_all":{}},"score_mode":"x"}}})"),
              HasSubstr("illegal score_mode [x]"));
  EXPECT_THAT(error(R"({"rescore":{"window_size":1}})"), HasSubstr("missing rescore type"));
}

}  // namespace
}  // namespace sluice::search
