// percentiles (t-digest and HDR), percentile_ranks, median_absolute_deviation,
// weighted_avg and adjacency_matrix over the shared fixture (n = 1, 51, 101,
// 151); expectations computed by hand from the documented algorithms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "search/aggregations_fixture.h"

namespace sluice::search {
namespace {

using ::testing::HasSubstr;

TEST_F(AggregationsTest, HdrPercentilesReportTheBucketsHighestEquivalentValue) {
  // Lowest tracked value 1 (the largest power of two <= 1): integers v * 1024.
  // 51 -> 52224, in the bucket of unit 32: 52255 / 1024.
  EXPECT_EQ(Aggs(R"({"p":{"percentiles":{"field":"n","percents":[1,50,75,99],"hdr":{}}}})"),
            R"({"p":{"values":{"1.0":1.0,"50.0":51.0302734375,"75.0":101.0615234375,)"
            R"("99.0":151.1240234375}}})");
  // From 51 up the lowest tracked value is 32: 101 -> 3232, unit 2: 3233 / 32.
  EXPECT_EQ(Aggs(R"({"p":{"percentiles":{"field":"d","percents":[5,50],"hdr":{}}}})",
                 R"({"range":{"n":{"gte":50}}})"),
            R"({"p":{"values":{"5.0":51.0,"50.0":101.03125}}})");
  // One significant digit: sub-buckets of 32 (half 16); 51 -> 816, unit 32: 831 / 16.
  EXPECT_EQ(Aggs(R"({"p":{"percentiles":{"field":"n","percents":[50],"keyed":false,
                     "hdr":{"number_of_significant_value_digits":1}}}})"),
            R"({"p":{"values":[{"key":50.0,"value":51.9375}]}})");
}

TEST_F(AggregationsTest, HdrParametersAreValidated) {
  auto r = Run(R"({"aggs":{"p":{"percentiles":{"field":"n",
                   "hdr":{"number_of_significant_value_digits":6}}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("[numberOfSignificantValueDigits] must be between 0 and 5: [p]"));
  r = Run(R"({"aggs":{"p":{"percentiles":{"field":"n","tdigest":{"compression":-1}}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("[compression] must be greater than or equal to 0. Found [-1.0] in [p]"));
  r = Run(R"({"aggs":{"p":{"percentiles":{"field":"n","percents":null}}}})");
  EXPECT_FALSE(r.ok());
}

TEST_F(AggregationsTest, PercentileRanksCountBelowPlusHalfTheEqual) {
  EXPECT_EQ(Aggs(R"({"r":{"percentile_ranks":{"field":"n","values":[200,0,51]}}})"),
            R"({"r":{"values":{"0.0":0.0,"51.0":37.5,"200.0":100.0}}})");
  auto r = Run(R"({"aggs":{"r":{"percentile_ranks":{"field":"n"}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("[values] must not be null: [r]"));
}

TEST_F(AggregationsTest, MedianAbsoluteDeviation) {
  // Median 76; deviations 75, 25, 25, 75; their median 50.
  EXPECT_EQ(Aggs(R"({"m":{"median_absolute_deviation":{"field":"n"}}})"), R"({"m":{"value":50.0}})");
  EXPECT_EQ(Aggs(R"({"m":{"median_absolute_deviation":{"field":"n"}}})", R"({"term":{"tag":"no"}})"),
            R"({"m":{"value":null}})");
  auto r = Run(R"({"aggs":{"mad":{"median_absolute_deviation":{"field":"n","compression":0}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("[compression] must be greater than 0. Found [0.0] in [mad]"));
}

TEST_F(AggregationsTest, WeightedAvg) {
  // (1*1 + 51*51 + 101*101 + 151*151) / (1 + 51 + 101 + 151) = 35604 / 304.
  EXPECT_EQ(Aggs(R"({"w":{"weighted_avg":{"value":{"field":"d"},"weight":{"field":"n"}}}})"),
            R"({"w":{"value":117.11842105263158}})");
  // A missing weight of 2 on every document: the plain average.
  EXPECT_EQ(Aggs(R"({"w":{"weighted_avg":{"value":{"field":"n"},
                     "weight":{"field":"nothing","missing":2}}}})"),
            R"({"w":{"value":76.0}})");
}

TEST_F(AggregationsTest, AdjacencyMatrixKeepsNonEmptyCellsSortedByKey) {
  // tag: doc0 x,y; doc1 x; doc2 y; doc3 z.
  EXPECT_EQ(Aggs(R"({"m":{"adjacency_matrix":{"filters":{"y":{"term":{"tag":"y"}},
                     "x":{"term":{"tag":"x"}},"z":{"term":{"tag":"z"}}}}}})"),
            R"({"m":{"buckets":[{"key":"x","doc_count":2},{"key":"x&y","doc_count":1},)"
            R"({"key":"y","doc_count":2},{"key":"z","doc_count":1}]}})");
}

TEST_F(AggregationsTest, MetaAndTypedKeys) {
  auto r = Run(R"({"size":0,"aggs":{"t":{"terms":{"field":"tag"},"meta":{"k":1},
                   "aggs":{"a":{"avg":{"field":"n"}}}},"p":{"percentiles":{"field":"n","percents":[50]}}}})",
               /*typed_keys=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r->aggregations, HasSubstr(R"("sterms#t":{"meta":{"k":1},"doc_count_error_upper_bound")"));
  EXPECT_THAT(*r->aggregations, HasSubstr(R"("avg#a":{"value":)"));
  EXPECT_THAT(*r->aggregations, HasSubstr(R"("tdigest_percentiles#p":{"values":{"50.0":76.0}})"));
}

}  // namespace
}  // namespace sluice::search
