#include "text/passage_highlighter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice::text {
namespace {

using ::testing::ElementsAre;

// The matches of every occurrence of word in content (ASCII content: offsets are bytes).
std::vector<HighlightMatch> Find(const std::string& content, const std::string& word, int id = 0) {
  std::vector<HighlightMatch> out;
  for (size_t p = content.find(word); p != std::string::npos; p = content.find(word, p + 1)) {
    out.push_back({static_cast<int>(p), static_cast<int>(p + word.size()), id});
  }
  return out;
}

TEST(PassageHighlighterTest, SentencesUpToFragmentSizeFormOnePassage) {
  std::string content = "The quick brown fox jumps. Then the fox sleeps. A third sentence.";
  auto out = HighlightPassages(content, Find(content, "fox"), {});
  EXPECT_THAT(out, ElementsAre("The quick brown <em>fox</em> jumps. Then the <em>fox</em> sleeps. "
                               "A third sentence."));
}

TEST(PassageHighlighterTest, LongSentencesAreCutAtWordsAroundTheMatch) {
  std::string content =
      "Nothing happens in this sentence which is rather long and goes on and on without any "
      "match whatsoever until the very end where a fox appears again.";
  HighlightOptions options;
  options.fragment_size = 20;
  auto out = HighlightPassages(content, Find(content, "fox"), options);
  ASSERT_EQ(out.size(), 1u);
  // The passage starts at most fragment_size before the match, on a word boundary.
  EXPECT_EQ(out[0], "the very end where a <em>fox</em>");
}

TEST(PassageHighlighterTest, KeepsTheBestFragmentsInContentOrder) {
  std::string content = "One fox. " + std::string(120, 'X') + ". Two fox fox. " +
                        std::string(120, 'Y') + ". Three fox fox fox.";
  HighlightOptions options;
  options.number_of_fragments = 2;
  auto out = HighlightPassages(content, Find(content, "fox"), options);
  EXPECT_THAT(out, ElementsAre("Two <em>fox</em> <em>fox</em>.",
                               "Three <em>fox</em> <em>fox</em> <em>fox</em>."));
  options.order_by_score = true;
  out = HighlightPassages(content, Find(content, "fox"), options);
  EXPECT_EQ(out[0], "Three <em>fox</em> <em>fox</em> <em>fox</em>.");
}

TEST(PassageHighlighterTest, WholeValuesWithZeroFragmentsAndCustomTags) {
  std::string content = "first value with fox";
  content += kValueSeparator;
  content += "second value";
  content += kValueSeparator;
  content += "third fox value";
  HighlightOptions options;
  options.number_of_fragments = 0;
  options.pre_tag = "[";
  options.post_tag = "]";
  auto out = HighlightPassages(content, Find(content, "fox"), options);
  EXPECT_THAT(out, ElementsAre("first value with [fox]", "third [fox] value"));
}

TEST(PassageHighlighterTest, OffsetsAreUtf16Units) {
  std::string content = "Ünïcödé fox";  // 7 letters before the space, 2 bytes each but 1 unit
  auto out = HighlightPassages(content, {{8, 11, 0}}, {});
  EXPECT_THAT(out, ElementsAre("Ünïcödé <em>fox</em>"));
}

TEST(PassageHighlighterTest, NoMatchesNoFragments) {
  EXPECT_TRUE(HighlightPassages("nothing here", {}, {}).empty());
}

}  // namespace
}  // namespace sluice::text
