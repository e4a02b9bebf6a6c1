#include "search/function_score.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <map>

#include "index/test_store.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::Pair;
using Scores = std::map<std::string, float>;

class FunctionScoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"body":{"type":"text"},"likes":{"type":"long"},"tag":{"type":"keyword"}}})",
        false);
    auto i = index::Index::Create(store_.get(), "f", *index::IndexSettings::Parse("{}"), *mapping,
                                  testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("a", R"({"body":"quick fox","likes":8,"tag":"x"})");
    Write("b", R"({"body":"quick dog","likes":2})");
    Write("c", R"({"body":"lazy dog"})");
  }
  void Write(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    ASSERT_TRUE(index_->Write({op})[0].status.ok());
  }
  util::Result<Scores> Run(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(d));
    index::Index::ReadGuard guard(*index_);
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(*index_));
    Scores out;
    for (const auto& doc : docs) out[index_->id(doc.doc)] = doc.score;
    return out;
  }
  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(FunctionScoreTest, FieldValueFactorWithModifierAndMissing) {
  auto r = Run(R"({"function_score":{"field_value_factor":{"field":"likes","factor":2,
                   "modifier":"sqrt","missing":0.5}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // match_all scores 1: sqrt(2 * 8) = 4, sqrt(2 * 2) = 2, sqrt(2 * 0.5) = 1.
  EXPECT_THAT(*r, ElementsAre(Pair("a", 4.0f), Pair("b", 2.0f), Pair("c", 1.0f)));
  r = Run(R"({"function_score":{"field_value_factor":{"field":"likes","modifier":"log1p"}}})");
  ASSERT_FALSE(r.ok());  // c has no value and no missing
  EXPECT_NE(r.status().ToString().find("Missing value for field [likes]"), std::string::npos);
}

TEST_F(FunctionScoreTest, WeightMultipliesTheQueryScore) {
  auto plain = Run(R"({"term":{"body":"quick"}})");
  auto weighted = Run(R"({"function_score":{"query":{"term":{"body":"quick"}},"weight":3}})");
  ASSERT_TRUE(plain.ok() && weighted.ok());
  EXPECT_FLOAT_EQ((*weighted)["a"], 3 * (*plain)["a"]);
  EXPECT_EQ(weighted->size(), 2u);
}

TEST_F(FunctionScoreTest, ScoreModeBoostModeAndMinScore) {
  // Functions: weight 2 for tag x, likes * 1 for everyone; score_mode sum; replace the query score.
  auto r = Run(R"({"function_score":{"functions":[{"filter":{"term":{"tag":"x"}},"weight":2},
                   {"field_value_factor":{"field":"likes","missing":0}}],
                   "score_mode":"sum","boost_mode":"replace","min_score":1}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, ElementsAre(Pair("a", 10.0f), Pair("b", 2.0f)));  // c: 0 < min_score
  r = Run(R"({"function_score":{"functions":[{"filter":{"term":{"tag":"x"}},"weight":5}],
              "boost_mode":"sum","max_boost":4}})");
  ASSERT_TRUE(r.ok());
  // a: 1 + min(5, 4); b and c match no function: factor 1.
  EXPECT_THAT(*r, ElementsAre(Pair("a", 5.0f), Pair("b", 2.0f), Pair("c", 2.0f)));
}

TEST_F(FunctionScoreTest, UnsupportedFunctionsAre400s) {
  auto r = Run(R"({"function_score":{"random_score":{}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "illegal_argument_exception");
  r = Run(R"({"function_score":{"field_value_factor":{"field":"likes","modifier":"cube"}}})");
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace sluice::search
