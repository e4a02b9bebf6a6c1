// The suggest section of a search: parsing errors, the term suggester's
// corrections and scores (DirectSpellChecker's), the completion suggester's
// prefix, weight, fuzzy and skip_duplicates behaviour.
#include "search/suggest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/test_store.h"
#include "search/search_request.h"
#include "search/suggesters.h"

namespace sluice::search {
namespace {

class SuggestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("");
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"body":{"type":"text"},"title":{"type":"keyword"},
            "sug":{"type":"completion"},"short":{"type":"completion","max_input_length":3}}})",
        false);
    ASSERT_TRUE(mapping.ok());
    auto i = index::Index::Create(store_.get(), "s", *settings, *mapping, {});
    ASSERT_TRUE(i.ok());
    index_ = *i;
    Add("1", R"({"body":"Amsterdam meetup","sug":{"input":["Nirvana","Nevermind"],"weight":4},)"
             R"("title":"one"})");
    Add("2", R"({"body":"amsterdam amstel","sug":{"input":"Nevada","weight":"7"}})");
    Add("3", R"({"body":"rotterdam","sug":"nevada","short":"abcdef"})");
    Add("4", R"({"body":"amsterdan"})");
  }

  void Add(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    std::vector<index::WriteOp> ops;
    ops.push_back(std::move(op));
    for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok()) << source;
  }

  util::Result<std::string> Suggest(std::string_view body) {
    auto request = ParseSearchRequest(body);
    if (!request.ok()) return request.status();
    auto response = ExecuteSearch(*request, {index_});
    if (!response.ok()) return response.status();
    return response->suggest.value_or("");
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST(EditDistanceTest, CountsSwapsAsOneEditAndPrefixesOfTheSecond) {
  EXPECT_EQ(EditDistance(CodePoints("amsterdma"), CodePoints("amsterdam"), true, false), 1);
  EXPECT_EQ(EditDistance(CodePoints("amsterdma"), CodePoints("amsterdam"), false, false), 2);
  EXPECT_EQ(EditDistance(CodePoints("nevr"), CodePoints("nevermind"), true, true), 1);
  EXPECT_EQ(EditDistance(CodePoints("ñu"), CodePoints("nu"), true, false), 1);
  EXPECT_EQ(CodePoints("ñu").size(), 2u);
}

TEST_F(SuggestTest, TermSuggesterCorrectsEachTokenWithLuceneScores) {
  auto r = Suggest(R"({"size":0,"suggest":{"s":{"text":"The Amsterdma meetpu","term":{"field":"body"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // "the" is shorter than min_word_length 4; similarities are 1 - edits / length in float32
  // (a swap is one edit); "rotterdam" lacks the prefix_length 1 of "amsterdma".
  EXPECT_EQ(*r,
            R"({"s":[{"text":"the","offset":0,"length":3,"options":[]},)"
            R"({"text":"amsterdma","offset":4,"length":9,"options":[)"
            R"({"text":"amsterdam","score":0.8888889,"freq":2},)"
            R"({"text":"amsterdan","score":0.7777778,"freq":1}]},)"
            R"({"text":"meetpu","offset":14,"length":6,"options":[{"text":"meetup","score":0.8333333,"freq":1}]}]})");
}

TEST_F(SuggestTest, TermSuggesterModesAndGlobalText) {
  // "amsterdam" is in the index: missing (the default) suggests nothing, always does.
  auto missing = Suggest(R"({"suggest":{"text":"amsterdam","a":{"term":{"field":"body"}}}})");
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_EQ(*missing, R"({"a":[{"text":"amsterdam","offset":0,"length":9,"options":[]}]})");
  // A term in more than max_term_freq of the documents (0.01: 1 of 4) is not corrected.
  auto frequent = Suggest(
      R"({"suggest":{"text":"amsterdam","a":{"term":{"field":"body","suggest_mode":"always"}}}})");
  ASSERT_TRUE(frequent.ok());
  EXPECT_EQ(*frequent, R"({"a":[{"text":"amsterdam","offset":0,"length":9,"options":[]}]})");
  auto always = Suggest(
      R"({"suggest":{"text":"amsterdam","a":{"term":{"field":"body","suggest_mode":"always","max_term_freq":2}}}})");
  ASSERT_TRUE(always.ok());
  EXPECT_EQ(*always, R"({"a":[{"text":"amsterdam","offset":0,"length":9,"options":[)"
                     R"({"text":"amsterdan","score":0.8888889,"freq":1}]}]})");
  // popular: only terms more frequent than the text's own.
  auto popular = Suggest(
      R"({"suggest":{"text":"amsterdan","a":{"term":{"field":"body","suggest_mode":"popular"}}}})");
  ASSERT_TRUE(popular.ok());
  EXPECT_EQ(*popular, R"({"a":[{"text":"amsterdan","offset":0,"length":9,"options":[)"
                      R"({"text":"amsterdam","score":0.8888889,"freq":2}]}]})");
}

TEST_F(SuggestTest, CompletionRanksDocumentsByWeightOncePerDocument) {
  auto r = Suggest(R"({"_source":["title"],"suggest":{"c":{"prefix":"Ne","completion":{"field":"sug"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r,
            R"({"c":[{"text":"Ne","offset":0,"length":2,"options":[)"
            R"({"text":"Nevada","_index":"s","_id":"2","_score":7.0,"_source":{}},)"
            R"({"text":"Nevermind","_index":"s","_id":"1","_score":4.0,"_source":{"title":"one"}},)"
            R"({"text":"nevada","_index":"s","_id":"3","_score":0.0,"_source":{}}]}]})");
  auto dedup = Suggest(
      R"({"_source":false,"suggest":{"c":{"text":"nev","completion":{"field":"sug","skip_duplicates":true,"size":1}}}})");
  ASSERT_TRUE(dedup.ok());
  EXPECT_EQ(*dedup, R"({"c":[{"text":"nev","offset":0,"length":3,"options":[)"
                    R"({"text":"Nevada","_index":"s","_id":"2","_score":7.0}]}]})");
}

TEST_F(SuggestTest, CompletionFuzzyAndMaxInputLength) {
  auto exact = Suggest(R"({"_source":false,"suggest":{"c":{"prefix":"nirw","completion":{"field":"sug"}}}})");
  ASSERT_TRUE(exact.ok());
  EXPECT_THAT(*exact, ::testing::HasSubstr(R"("options":[])"));
  auto fuzzy = Suggest(
      R"({"_source":false,"suggest":{"c":{"prefix":"nirw","completion":{"field":"sug","fuzzy":{"fuzziness":1}}}}})");
  ASSERT_TRUE(fuzzy.ok());
  // Weight 4 times the 3 characters "nir" shares with the prefix.
  EXPECT_THAT(*fuzzy, ::testing::HasSubstr(R"("text":"Nirvana","_index":"s","_id":"1","_score":12.0)"));
  auto cut = Suggest(R"({"_source":false,"suggest":{"c":{"prefix":"abcd","completion":{"field":"short"}}}})");
  ASSERT_TRUE(cut.ok());
  EXPECT_THAT(*cut, ::testing::HasSubstr(R"("options":[])"));  // indexed as "abc"
}

TEST_F(SuggestTest, TypedKeysPrefixTheSuggesterType) {
  auto request = ParseSearchRequest(
      R"({"suggest":{"text":"nev","t":{"term":{"field":"body"}},"c":{"completion":{"field":"sug"}}}})");
  ASSERT_TRUE(request.ok());
  request->typed_keys = true;
  auto response = ExecuteSearch(*request, {index_});
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->suggest.value_or(""), ::testing::HasSubstr(R"({"term#t":[)"));
  EXPECT_THAT(response->suggest.value_or(""), ::testing::HasSubstr(R"("completion#c":[)"));
}

TEST_F(SuggestTest, ErrorsAreOpenSearchs) {
  auto reason = [&](std::string_view body) {
    auto r = Suggest(body);
    return r.ok() ? std::string("ok") : r.status().type() + ": " + r.status().reason();
  };
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x","phrase":{"field":"body"}}}})"),
            "illegal_argument_exception: [phrase] suggester is not supported by sluice yet");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x","term":{}}}})"),
            "parse_exception: the required field option [field] is missing");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"term":{"field":"body"}}}})"),
            "illegal_argument_exception: The required text option is missing");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x"}}})"),
            "illegal_argument_exception: missing suggestion object");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x","term":{"field":"body","foo":1}}}})"),
            "parsing_exception: suggester[term] doesn't support field [foo]");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x","term":{"field":"body","suggest_mode":"x"}}}})"),
            "illegal_argument_exception: No enum constant "
            "org.opensearch.search.suggest.term.TermSuggestionBuilder.SuggestMode.X");
  EXPECT_EQ(reason(R"({"suggest":{"a":{"text":"x","completion":{"field":"body"}}}})"),
            "illegal_argument_exception: Field [body] is not a completion suggest field");
  EXPECT_EQ(reason(R"({"suggest":{"foo":1}})"),
            "illegal_argument_exception: [suggest] does not support [foo]");
}

}  // namespace
}  // namespace sluice::search
