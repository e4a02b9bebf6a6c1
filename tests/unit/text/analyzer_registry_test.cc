#include "text/analyzer_registry.h"

#include <gtest/gtest.h>

namespace sluice::text {
namespace {

std::vector<std::string> Terms(const Analyzer& a, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : a.Analyze(text)) out.push_back(t.term);
  return out;
}

TEST(AnalyzerRegistry, BuildsCustomAnalyzersFromSettings) {
  auto r = AnalyzerRegistry::FromSettings({
      {"index.analysis.analyzer.folded.type", "custom"},
      {"index.analysis.analyzer.folded.tokenizer", "whitespace"},
      {"index.analysis.analyzer.folded.filter", "lowercase,asciifolding,my_stop,short,snow"},
      {"index.analysis.filter.my_stop.type", "stop"},
      {"index.analysis.filter.my_stop.stopwords", "und,der"},
      {"index.analysis.filter.short.type", "length"},
      {"index.analysis.filter.short.max", "10"},
      {"index.analysis.filter.snow.type", "snowball"},
      {"index.analysis.filter.snow.language", "English"},
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Analyzer* a = (*r)->Find("folded");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Terms(*a, "Crème UND Brûlée Der generously extraordinary"),
            (std::vector<std::string>{"creme", "brule", "generous"}));
  EXPECT_NE((*r)->Find("english"), nullptr);
}

TEST(AnalyzerRegistry, DefaultAnalyzerReplacesStandard) {
  auto r = AnalyzerRegistry::FromSettings({{"index.analysis.analyzer.default.type", "english"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Terms((*r)->Default(), "the running"), (std::vector<std::string>{"run"}));
}

// A mapping may name "default" without declaring it (OpenSearch's
// all_path_options REST test puts such a mapping twice).
TEST(AnalyzerRegistry, DefaultIsFoundByNameWhenNotDeclared) {
  auto r = AnalyzerRegistry::FromSettings({});
  ASSERT_TRUE(r.ok());
  const Analyzer* found = (*r)->Find("default");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, (*r)->Find("standard"));
  EXPECT_EQ(Terms(*found, "The Running"), (std::vector<std::string>{"the", "running"}));
}

TEST(AnalyzerRegistry, RejectsUnknownFiltersAndTokenizersAsOpenSearch) {
  auto r = AnalyzerRegistry::FromSettings({{"index.analysis.analyzer.x.tokenizer", "standard"},
                                           {"index.analysis.analyzer.x.filter", "nope"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "Custom Analyzer [x] failed to find filter under name [nope]");
  r = AnalyzerRegistry::FromSettings({{"index.analysis.analyzer.x.tokenizer", "ngramz"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(),
            "Custom Analyzer [x] failed to find tokenizer under name [ngramz]");
  r = AnalyzerRegistry::FromSettings({{"index.analysis.analyzer.x.type", "custom"},
                                      {"index.analysis.analyzer.x.tokenizer", "standard"},
                                      {"index.analysis.analyzer.x.filter", "l"},
                                      {"index.analysis.filter.l.type", "length"},
                                      {"index.analysis.filter.l.max", "many"}});
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace sluice::text
