// rare_terms, multi_terms, significant_terms, composite, auto_date_histogram
// and variable_width_histogram over the shared fixture; expectations by hand.
// tag: doc0 x,y; doc1 x; doc2 y; doc3 z. ok: true, false, true, -.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "search/aggregations_fixture.h"

namespace sluice::search {
namespace {

using ::testing::HasSubstr;

TEST_F(AggregationsTest, RareTermsRarestFirstThenByKey) {
  EXPECT_EQ(Aggs(R"({"r":{"rare_terms":{"field":"tag"}}})"),
            R"({"r":{"buckets":[{"key":"z","doc_count":1}]}})");
  EXPECT_EQ(Aggs(R"({"r":{"rare_terms":{"field":"tag","max_doc_count":2}}})"),
            R"({"r":{"buckets":[{"key":"z","doc_count":1},{"key":"x","doc_count":2},)"
            R"({"key":"y","doc_count":2}]}})");
  EXPECT_FALSE(Run(R"({"aggs":{"r":{"rare_terms":{"field":"tag","max_doc_count":101}}}})").ok());
  EXPECT_FALSE(Run(R"({"aggs":{"r":{"rare_terms":{"field":"tag","size":3}}}})").ok());
}

TEST_F(AggregationsTest, MultiTermsCombinesEveryValuePerDocument) {
  // doc3 has no "ok": in no bucket. (y, true) from doc0 and doc2.
  EXPECT_EQ(Aggs(R"({"m":{"multi_terms":{"terms":[{"field":"tag"},{"field":"ok"}]}}})"),
            R"({"m":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":["y",true],"key_as_string":"y|true","doc_count":2},)"
            R"({"key":["x",false],"key_as_string":"x|false","doc_count":1},)"
            R"({"key":["x",true],"key_as_string":"x|true","doc_count":1}]}})");
  EXPECT_THAT(Aggs(R"({"m":{"multi_terms":{"terms":[{"field":"tag"},{"field":"n"}],"size":1,
                       "order":{"_key":"desc"}}}})"),
              HasSubstr(R"("sum_other_doc_count":4,"buckets":[{"key":["z",151],"key_as_string":"z|151")"));
  EXPECT_FALSE(Run(R"({"aggs":{"m":{"multi_terms":{"terms":[{"field":"tag"}]}}}})").ok());
}

TEST_F(AggregationsTest, SignificantTermsScoresJlh) {
  // Foreground docs 1-3 (x, y, z); background all 5 docs. Only z is more
  // frequent in the foreground: (1/3 - 1/5) * (1/3) / (1/5).
  EXPECT_EQ(Aggs(R"({"s":{"significant_terms":{"field":"tag","min_doc_count":1}}})",
                 R"({"range":{"n":{"gte":50}}})"),
            R"({"s":{"doc_count":3,"bg_count":5,"buckets":[)"
            R"({"key":"z","doc_count":1,"score":0.22222222222222215,"bg_count":1}]}})");
  auto r = Run(R"({"aggs":{"s":{"significant_terms":{"field":"tag","jlp":{}}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("unknown field [jlp] did you mean [jlh]?"));
}

TEST_F(AggregationsTest, AutoDateHistogramPicksTheFinestFittingInterval) {
  // Jan 31 .. Apr 1: 62 days is over 3 * 7 days; 4 months fit 3 buckets of 3 months.
  EXPECT_EQ(Aggs(R"({"h":{"auto_date_histogram":{"field":"ts","buckets":3}}})"),
            R"({"h":{"buckets":[{"key_as_string":"2024-01-01T00:00:00.000Z","key":1704067200000,)"
            R"("doc_count":3},{"key_as_string":"2024-04-01T00:00:00.000Z","key":1711929600000,)"
            R"("doc_count":1}],"interval":"3M"}})");
}

TEST_F(AggregationsTest, VariableWidthHistogramMergesTheClosestCentroids) {
  // 1, 51, 101, 151: equal gaps, the first pair merges (26); then 101 and 151.
  EXPECT_EQ(Aggs(R"({"h":{"variable_width_histogram":{"field":"n","buckets":2}}})"),
            R"({"h":{"buckets":[{"min":1.0,"key":26.0,"max":51.0,"doc_count":2},)"
            R"({"min":101.0,"key":126.0,"max":151.0,"doc_count":2}]}})");
}

TEST_F(AggregationsTest, CompositePagesThroughSourceCombinations) {
  // tag x n/100*100: (x,0) docs 0,1; (y,0) doc0; (y,100) doc2; (z,100) doc3.
  const std::string sources =
      R"("sources":[{"t":{"terms":{"field":"tag"}}},{"h":{"histogram":{"field":"n","interval":100}}}])";
  EXPECT_EQ(Aggs(R"({"c":{"composite":{"size":2,)" + sources + "}}}"),
            R"({"c":{"after_key":{"t":"y","h":0.0},"buckets":[{"key":{"t":"x","h":0.0},"doc_count":2},)"
            R"({"key":{"t":"y","h":0.0},"doc_count":1}]}})");
  EXPECT_EQ(Aggs(R"({"c":{"composite":{"after":{"t":"y","h":0},)" + sources + "}}}"),
            R"({"c":{"after_key":{"t":"z","h":100.0},"buckets":[{"key":{"t":"y","h":100.0},)"
            R"("doc_count":1},{"key":{"t":"z","h":100.0},"doc_count":1}]}})");
  // The body-only document has no tag: a null key when missing_bucket, first ascending.
  EXPECT_THAT(Aggs(R"({"c":{"composite":{"size":1,"sources":[{"t":{"terms":{"field":"tag","missing_bucket":true}}}]}}})"),
              HasSubstr(R"("buckets":[{"key":{"t":null},"doc_count":1}])"));
  auto under_terms = Run(R"({"aggs":{"t":{"terms":{"field":"tag"},"aggs":{"c":{"composite":{"sources":[{"x":{"terms":{"field":"tag"}}}]}}}}}})");
  ASSERT_FALSE(under_terms.ok());
  EXPECT_THAT(under_terms.status().reason(),
              HasSubstr("[composite] aggregation cannot be used with a parent aggregation of type: [TermsAggregatorFactory]"));
  auto dup = Run(R"({"aggs":{"c":{"composite":{"sources":[{"x":{"terms":{"field":"tag"}}},{"x":{"terms":{"field":"n"}}}]}}}})");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().reason(), HasSubstr("Composite source names must be unique, found duplicates: [x]"));
}

}  // namespace
}  // namespace sluice::search
