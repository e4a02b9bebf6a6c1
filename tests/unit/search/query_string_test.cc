#include "search/query_string.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "index/test_store.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::Pair;
using Scores = std::map<std::string, float>;

// The expectations are the equivalent DSL queries (whose BM25 scores
// text_queries_test checks against hand-computed values): query_string must
// build the same Lucene query as OpenSearch's parser does.
class QueryStringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"body":{"type":"text"},"title":{"type":"text"}}})", false);
    auto i = index::Index::Create(store_.get(), "t", *index::IndexSettings::Parse("{}"), *mapping,
                                  testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("d1", R"({"body":"the quick brown fox","title":"fox"})");
    Write("d2", R"({"body":"quick quick fox jumps over the brown dog","title":"dog"})");
    Write("d3", R"({"body":"lazy dog","title":"quick"})");
  }
  void Write(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    ASSERT_TRUE(index_->Write({op})[0].status.ok());
  }
  Scores Run(const Query& q) {
    index::Index::ReadGuard guard(*index_);
    auto docs = q.Execute(*index_);
    EXPECT_TRUE(docs.ok()) << docs.status().ToString();
    Scores out;
    if (docs.ok()) {
      for (const auto& d : *docs) out[index_->id(d.doc)] = d.score;
    }
    return out;
  }
  util::Result<std::unique_ptr<Query>> Parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    return ParseQuery(d);
  }
  Scores Run(const std::string& json) {
    auto q = Parse(json);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? Run(**q) : Scores();
  }
  Scores Qs(const std::string& query, const std::string& extra = R"("default_field":"body")") {
    return Run(R"({"query_string":{"query":")" + query + "\"," + extra + "}}");
  }
  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(QueryStringTest, TermsAreShouldClausesOfTheDefaultField) {
  EXPECT_EQ(Qs("quick fox"), Run(R"({"match":{"body":"quick fox"}})"));
  EXPECT_EQ(Qs("quick fox", R"("default_field":"body","default_operator":"AND")"),
            Run(R"({"match":{"body":{"query":"quick fox","operator":"and"}}})"));
}

TEST_F(QueryStringTest, BooleanOperatorsFollowLuceneAddClause) {
  EXPECT_EQ(Qs("quick AND fox"),
            Run(R"({"match":{"body":{"query":"quick fox","operator":"and"}}})"));
  // +quick -lazy: quick required, lazy prohibited.
  EXPECT_EQ(Qs("+quick -lazy"), Run(R"({"bool":{"must":[{"term":{"body":"quick"}}],
                                                "must_not":[{"term":{"body":"lazy"}}]}})"));
  EXPECT_EQ(Qs("quick NOT fox"), Run(R"({"bool":{"should":[{"term":{"body":"quick"}}],
                                                 "must_not":[{"term":{"body":"fox"}}]}})"));
  EXPECT_EQ(Qs("body:lazy OR title:fox"),
            Run(R"({"bool":{"should":[{"term":{"body":"lazy"}},{"term":{"title":"fox"}}]}})"));
  EXPECT_EQ(
      Qs("(quick OR lazy) AND dog"),
      Run(R"({"bool":{"must":[{"bool":{"should":[{"term":{"body":"quick"}},{"term":{"body":"lazy"}}]}},
                                    {"term":{"body":"dog"}}]}})"));
}

TEST_F(QueryStringTest, PhrasesPrefixesAndBoosts) {
  EXPECT_EQ(Qs(R"(\"quick fox\")"), Run(R"({"match_phrase":{"body":"quick fox"}})"));
  EXPECT_THAT(Qs("laz*"), ElementsAre(Pair("d3", FloatEq(1.0f))));
  EXPECT_EQ(Qs("fox^3"), Run(R"({"term":{"body":{"value":"fox","boost":3}}})"));
}

TEST_F(QueryStringTest, SeveralFieldsTakeTheBestFieldPerTerm) {
  EXPECT_EQ(Qs("quick", R"("fields":["body","title^2"])"),
            Run(R"({"dis_max":{"queries":[{"term":{"body":"quick"}},
                                          {"term":{"title":{"value":"quick","boost":2}}}]}})"));
  // No field: every text field of the index.
  EXPECT_EQ(
      Run(R"({"query_string":{"query":"quick"}})"),
      Run(R"({"dis_max":{"queries":[{"term":{"body":"quick"}},{"term":{"title":"quick"}}]}})"));
}

TEST_F(QueryStringTest, SyntaxErrorsAreParsingExceptions) {
  auto q = Parse(R"({"query_string":{"query":"\"quick fox","default_field":"body"}})");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().type(), "parsing_exception");
  q = Parse(R"({"query_string":{"query":"(quick","default_field":"body"}})");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().type(), "parsing_exception");
}

TEST_F(QueryStringTest, SimpleQueryStringOperators) {
  auto sqs = [&](const std::string& q, const std::string& op = "or") {
    return Run(R"({"simple_query_string":{"query":")" + q +
               R"(","fields":["body"],"default_operator":")" + op + "\"}}");
  };
  EXPECT_EQ(sqs("quick | lazy"), Run(R"({"match":{"body":"quick lazy"}})"));
  EXPECT_EQ(sqs("quick fox", "and"),
            Run(R"({"match":{"body":{"query":"quick fox","operator":"and"}}})"));
  // A negated term is scored with a match_all beside it (SimpleQueryParser).
  EXPECT_THAT(sqs("-quick"), ElementsAre(Pair("d3", FloatEq(1.0f))));
  // AND is a plain word in the simple syntax.
  EXPECT_EQ(sqs("quick AND fox"), Run(R"({"match":{"body":"quick and fox"}})"));
}

TEST_F(QueryStringTest, UriQueryUsesDfAndDefaultOperator) {
  auto q = UriQuery("quick fox", "body", "AND");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(Run(**q), Run(R"({"match":{"body":{"query":"quick fox","operator":"and"}}})"));
  EXPECT_FALSE(UriQuery("x", "", "XOR").ok());
}

}  // namespace
}  // namespace sluice::search
