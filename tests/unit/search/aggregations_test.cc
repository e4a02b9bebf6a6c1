// Aggregations through ParseSearchRequest + ExecuteSearch: each aggregation's
// values and OpenSearch's response shape (compared as JSON text).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "search/aggregations_fixture.h"

namespace sluice::search {
namespace {

using ::testing::HasSubstr;

TEST_F(AggregationsTest, MetricsOverNumbers) {
  EXPECT_EQ(Aggs(R"({"a":{"min":{"field":"n"}},"b":{"max":{"field":"n"}},"c":{"sum":{"field":"n"}},
                     "e":{"avg":{"field":"n"}},"f":{"value_count":{"field":"n"}}})"),
            R"({"a":{"value":1.0},"b":{"value":151.0},"c":{"value":304.0},"e":{"value":76.0},)"
            R"("f":{"value":4}})");
  EXPECT_EQ(Aggs(R"({"s":{"stats":{"field":"n"}}})"),
            R"({"s":{"count":4,"min":1.0,"max":151.0,"avg":76.0,"sum":304.0}})");
}

TEST_F(AggregationsTest, EmptyMetricsAreNullAndSumIsZero) {
  EXPECT_EQ(
      Aggs(R"({"a":{"min":{"field":"n"}},"s":{"sum":{"field":"n"}},"v":{"stats":{"field":"n"}}})",
           R"({"term":{"tag":"none"}})"),
      R"({"a":{"value":null},"s":{"value":0.0},)"
      R"("v":{"count":0,"min":null,"max":null,"avg":null,"sum":0.0}})");
}

TEST_F(AggregationsTest, ExtendedStats) {
  std::string out = Aggs(R"({"e":{"extended_stats":{"field":"d"}}})");
  // Values 1, 51, 101, 151: population variance 3125, sample 4166.67.
  EXPECT_THAT(out,
              HasSubstr(R"("sum_of_squares":35604.0,"variance":3125.0,)"
                        R"("variance_population":3125.0,"variance_sampling":4166.666666666667)"));
  EXPECT_THAT(out, HasSubstr(R"("std_deviation_bounds":{"upper":187.80339887498948)"));
}

TEST_F(AggregationsTest, CardinalityIsExact) {
  EXPECT_EQ(Aggs(R"({"c":{"cardinality":{"field":"tag"}},"k":{"cardinality":{"field":"n"}}})"),
            R"({"c":{"value":3},"k":{"value":4}})");
}

TEST_F(AggregationsTest, PercentilesInterpolateAsTDigestSingletons) {
  // OpenSearch 2.x on 1, 51, 101, 151 (its REST test 180_percentiles_tdigest_metric).
  EXPECT_EQ(Aggs(R"({"p":{"percentiles":{"field":"n"}}})"),
            R"({"p":{"values":{"1.0":1.0,"5.0":1.0,"25.0":26.0,"50.0":76.0,"75.0":126.0,)"
            R"("95.0":151.0,"99.0":151.0}}})");
  EXPECT_EQ(Aggs(R"({"p":{"percentiles":{"field":"n","percents":[50],"keyed":false}}})"),
            R"({"p":{"values":[{"key":50.0,"value":76.0}]}})");
}

TEST_F(AggregationsTest, TermsCountsOrdersAndReportsTheRest) {
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag"}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":"x","doc_count":2},{"key":"y","doc_count":2},{"key":"z","doc_count":1}]}})");
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag","size":1,"order":{"_key":"desc"}}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":4,"buckets":[)"
            R"({"key":"z","doc_count":1}]}})");
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag","min_doc_count":2,"exclude":["y"]}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":"x","doc_count":2}]}})");
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag","include":"[yz]","missing":"none"}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":"y","doc_count":2},{"key":"z","doc_count":1}]}})");
}

// include/exclude patterns come from users: a backtracking matcher
// (std::regex) overflowed the stack on a long term with this pattern.
TEST_F(AggregationsTest, TermsIncludePatternOnALongTermNeitherCrashesNorBacktracks) {
  index::WriteOp op;
  op.id = "long";
  op.source = R"({"tag":")" + std::string(200000, 'a') + R"("})";
  std::vector<index::WriteOp> ops;
  ops.push_back(std::move(op));
  for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag","include":"(a|aa)*","exclude":"x"}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":")" + std::string(200000, 'a') + R"(","doc_count":1}]}})");
  auto bad = Run(R"({"size":0,"aggs":{"t":{"terms":{"field":"tag","include":"(a"}}}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().reason(), HasSubstr("invalid regular expression [(a]"));
}

TEST_F(AggregationsTest, TermsOnNumbersBooleansAndBySubAggregation) {
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"ok"}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":1,"key_as_string":"true","doc_count":2},)"
            R"({"key":0,"key_as_string":"false","doc_count":1}]}})");
  EXPECT_EQ(Aggs(R"({"t":{"terms":{"field":"tag","order":{"m":"desc"}},
                         "aggs":{"m":{"max":{"field":"n"}}}}})"),
            R"({"t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":"z","doc_count":1,"m":{"value":151.0}},)"
            R"({"key":"y","doc_count":2,"m":{"value":101.0}},)"
            R"({"key":"x","doc_count":2,"m":{"value":51.0}}]}})");
}

TEST_F(AggregationsTest, RangesAndHistograms) {
  EXPECT_EQ(Aggs(R"({"r":{"range":{"field":"n","ranges":[{"from":50,"to":150},{"to":50}]}}})"),
            R"({"r":{"buckets":[{"key":"*-50.0","to":50.0,"doc_count":1},)"
            R"({"key":"50.0-150.0","from":50.0,"to":150.0,"doc_count":2}]}})");
  EXPECT_EQ(Aggs(R"({"h":{"histogram":{"field":"n","interval":50,"min_doc_count":0}}})"),
            R"({"h":{"buckets":[{"key":0.0,"doc_count":1},{"key":50.0,"doc_count":1},)"
            R"({"key":100.0,"doc_count":1},{"key":150.0,"doc_count":1}]}})");
  EXPECT_EQ(
      Aggs(
          R"({"h":{"histogram":{"field":"n","interval":100,"extended_bounds":{"min":-100,"max":300}}}})"),
      R"({"h":{"buckets":[{"key":-100.0,"doc_count":0},{"key":0.0,"doc_count":2},)"
      R"({"key":100.0,"doc_count":2},{"key":200.0,"doc_count":0},{"key":300.0,"doc_count":0}]}})");
}

TEST_F(AggregationsTest, DateHistogramCalendarFixedAndTimeZone) {
  EXPECT_EQ(Aggs(R"({"m":{"date_histogram":{"field":"ts","calendar_interval":"month"}}})"),
            R"({"m":{"buckets":[)"
            R"({"key_as_string":"2024-01-01T00:00:00.000Z","key":1704067200000,"doc_count":1},)"
            R"({"key_as_string":"2024-02-01T00:00:00.000Z","key":1706745600000,"doc_count":2},)"
            R"({"key_as_string":"2024-03-01T00:00:00.000Z","key":1709251200000,"doc_count":0},)"
            R"({"key_as_string":"2024-04-01T00:00:00.000Z","key":1711929600000,"doc_count":1}]}})");
  // At +01:00 the first document (23:30Z on Jan 31) falls in February.
  EXPECT_EQ(
      Aggs(R"({"m":{"date_histogram":{"field":"ts","calendar_interval":"1M",
                          "time_zone":"+01:00","min_doc_count":1}}})"),
      R"({"m":{"buckets":[)"
      R"({"key_as_string":"2024-02-01T00:00:00.000+01:00","key":1706742000000,"doc_count":3},)"
      R"({"key_as_string":"2024-04-01T00:00:00.000+01:00","key":1711926000000,"doc_count":1}]}})");
  EXPECT_EQ(
      Aggs(R"({"d":{"date_histogram":{"field":"ts","fixed_interval":"30d","min_doc_count":1}}})",
           R"({"range":{"ts":{"lt":"2024-02-02"}}})"),
      R"({"d":{"buckets":[)"
      R"({"key_as_string":"2024-01-18T00:00:00.000Z","key":1705536000000,"doc_count":2}]}})");
  EXPECT_EQ(
      Aggs(
          R"({"w":{"date_histogram":{"field":"ts","calendar_interval":"week","min_doc_count":1}}})",
          R"({"range":{"ts":{"lt":"2024-02-02"}}})"),
      R"({"w":{"buckets":[)"
      R"({"key_as_string":"2024-01-29T00:00:00.000Z","key":1706486400000,"doc_count":2}]}})");
}

TEST_F(AggregationsTest, SingleBucketAggregationsAndSubAggregations) {
  EXPECT_EQ(Aggs(R"({"f":{"filter":{"term":{"tag":"x"}},"aggs":{"s":{"sum":{"field":"n"}}}},
                     "m":{"missing":{"field":"n"}},"g":{"global":{},"aggs":{"c":{"value_count":{"field":"n"}}}}})",
                 R"({"term":{"tag":"z"}})"),
            R"({"f":{"doc_count":0,"s":{"value":0.0}},"m":{"doc_count":0},)"
            R"("g":{"doc_count":5,"c":{"value":4}}})");
  EXPECT_EQ(
      Aggs(R"({"f":{"filters":{"filters":{"b":{"term":{"tag":"y"}},"a":{"term":{"tag":"x"}}},
                                     "other_bucket":true}}})"),
      R"({"f":{"buckets":{"a":{"doc_count":2},"b":{"doc_count":2},"_other_":{"doc_count":2}}}})");
  EXPECT_EQ(Aggs(R"({"f":{"filters":{"filters":[{"term":{"tag":"z"}}]}}})"),
            R"({"f":{"buckets":[{"doc_count":1}]}})");
}

TEST_F(AggregationsTest, DateMetricsHaveStrings) {
  EXPECT_EQ(Aggs(R"({"a":{"max":{"field":"ts"}}})"),
            R"({"a":{"value":1711929600000.0,"value_as_string":"2024-04-01T00:00:00.000Z"}})");
}

TEST_F(AggregationsTest, TopHitsSortedWithSource) {
  std::string out = Aggs(R"({"t":{"terms":{"field":"tag","size":1},
      "aggs":{"h":{"top_hits":{"size":1,"sort":[{"n":"desc"}],"_source":["n"]}}}}})");
  EXPECT_THAT(out, HasSubstr(R"("h":{"hits":{"total":{"value":2,"relation":"eq"},"max_score":null,)"
                             R"("hits":[{"_index":"a","_id":"1","_score":null,"_source":{"n":51},)"
                             R"("sort":[51]}]}})"));
}

TEST_F(AggregationsTest, AggregationsSeeTheQueryButNotThePostFilter) {
  auto r = Run(R"({"query":{"range":{"n":{"gte":50}}},"post_filter":{"term":{"tag":"z"}},
                   "aggs":{"c":{"value_count":{"field":"n"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(*r->aggregations, R"({"c":{"value":3}})");
}

TEST_F(AggregationsTest, Errors) {
  auto text = Run(R"({"aggs":{"t":{"terms":{"field":"body"}}}})");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().type(), "search_phase_execution_exception");
  EXPECT_THAT(text.status().cause()->reason(), HasSubstr("Text fields are not optimised"));
  auto pipeline = ParseSearchRequest(R"({"aggs":{"p":{"serial_diff":{"buckets_path":"x"}}}})");
  ASSERT_FALSE(pipeline.ok());
  EXPECT_EQ(pipeline.status().type(), "illegal_argument_exception");
  EXPECT_EQ(pipeline.status().reason(), "pipeline aggregation [serial_diff] is not supported by sluice");
  auto top = ParseSearchRequest(R"({"aggs":{"p":{"cumulative_sum":{"buckets_path":"x"}}}})");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().type(), "action_request_validation_exception");
  EXPECT_EQ(ParseSearchRequest(R"({"aggs":{"p":{"nope":{}}}})").status().reason(),
            "Unknown aggregation type [nope]");
  EXPECT_FALSE(
      ParseSearchRequest(R"({"aggs":{"h":{"histogram":{"field":"n","interval":0}}}})").ok());
  EXPECT_FALSE(
      ParseSearchRequest(
          R"({"aggs":{"h":{"date_histogram":{"field":"ts","calendar_interval":"1d","time_zone":"Europe/Paris"}}}})")
          .ok());
  auto keyword_avg = Run(R"({"aggs":{"a":{"avg":{"field":"tag"}}}})");
  ASSERT_FALSE(keyword_avg.ok());
  EXPECT_EQ(keyword_avg.status().cause()->reason(),
            "Field [tag] of type [keyword] is not supported for aggregation [avg]");
}

}  // namespace
}  // namespace sluice::search
