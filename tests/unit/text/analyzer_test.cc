#include "text/analyzer.h"

#include <gtest/gtest.h>

#include "text/analyzer_registry.h"

namespace sluice::text {
namespace {

std::vector<std::string> Terms(std::string_view analyzer, std::string_view text) {
  auto a = NewBuiltinAnalyzer(analyzer);
  std::vector<std::string> out;
  for (const auto& t : a->Analyze(text)) out.push_back(t.term);
  return out;
}

using V = std::vector<std::string>;

TEST(StandardAnalyzer, SegmentsWordsPerUax29AndLowercases) {
  EXPECT_EQ(
      Terms("standard", "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."),
      (V{"the", "2", "quick", "brown", "foxes", "jumped", "over", "the", "lazy", "dog's", "bone"}));
}

TEST(StandardAnalyzer, KeepsDecimalNumbersAndEmailLikeWordsAsUax29Does) {
  // UAX #29: "3.14" is one number, "wi-fi" two words, "can't" one word,
  // "U.S.A" one word (MidNumLet between letters).
  EXPECT_EQ(Terms("standard", "pi is 3.14, wi-fi can't U.S.A"),
            (V{"pi", "is", "3.14", "wi", "fi", "can't", "u.s.a"}));
}

TEST(StandardAnalyzer, ReportsUtf16OffsetsTypesAndPositions) {
  auto a = NewBuiltinAnalyzer("standard");
  auto tokens = a->Analyze("Über 42 \xF0\x9F\x98\x80x");  // "Über 42 😀x"
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].term, "über");
  EXPECT_EQ(tokens[0].start_offset, 0);
  EXPECT_EQ(tokens[0].end_offset, 4);
  EXPECT_EQ(tokens[0].type, "<ALPHANUM>");
  EXPECT_EQ(tokens[1].term, "42");
  EXPECT_EQ(tokens[1].type, "<NUM>");
  EXPECT_EQ(tokens[1].start_offset, 5);
  EXPECT_EQ(tokens[1].position, 1);
}

TEST(StandardAnalyzer, EmitsOneTokenPerIdeograph) {
  auto a = NewBuiltinAnalyzer("standard");
  auto tokens = a->Analyze("中文");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].term, "中");
  EXPECT_EQ(tokens[0].type, "<IDEOGRAPHIC>");
  EXPECT_EQ(tokens[1].start_offset, 1);
}

TEST(StandardAnalyzer, CutsTokensLongerThan255Units) {
  std::string word(300, 'a');
  auto tokens = NewBuiltinAnalyzer("standard")->Analyze(word);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].term.size(), 255u);
  EXPECT_EQ(tokens[1].term.size(), 45u);
  EXPECT_EQ(tokens[1].start_offset, 255);
  EXPECT_EQ(tokens[1].position, 1);
}

TEST(SimpleAnalyzer, SplitsOnNonLetters) {
  EXPECT_EQ(Terms("simple", "Hello, World42x"), (V{"hello", "world", "x"}));
}

TEST(WhitespaceAnalyzer, KeepsCaseAndPunctuation) {
  EXPECT_EQ(Terms("whitespace", "Hello, World!  x"), (V{"Hello,", "World!", "x"}));
}

TEST(KeywordAnalyzer, KeepsTheWholeInput) {
  EXPECT_EQ(Terms("keyword", "New York, NY"), (V{"New York, NY"}));
}

TEST(StopAnalyzer, DropsEnglishStopWordsLeavingPositionGaps) {
  auto tokens = NewBuiltinAnalyzer("stop")->Analyze("The quick and the dead");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].term, "quick");
  EXPECT_EQ(tokens[0].position, 1);
  EXPECT_EQ(tokens[1].term, "dead");
  EXPECT_EQ(tokens[1].position, 4);
}

TEST(EnglishAnalyzer, RemovesPossessivesStopWordsAndStems) {
  // Expected stems are those of Lucene's PorterStemmer (Porter's algorithm).
  EXPECT_EQ(Terms("english", "The dog's owners were running happily to the caresses of ponies"),
            (V{"dog", "owner", "were", "run", "happili", "caress", "poni"}));
}

TEST(EnglishAnalyzer, LeavesWordsOfTwoLettersUnstemmedAsLuceneDoes) {
  // Snowball's porter alone would turn "us" into "u"; Lucene keeps words of <= 2 letters.
  EXPECT_EQ(Terms("english", "us as generalization relational"), (V{"us", "gener", "relat"}));
}

}  // namespace
}  // namespace sluice::text
