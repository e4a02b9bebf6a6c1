// Pipeline aggregations over the shared fixture. The monthly date_histogram
// of ts has January (n = 1), February (51, 101), an empty March and April
// (151): sums 1, 152, 0, 151.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "search/aggregations/moving_functions.h"
#include "search/aggregations_fixture.h"

namespace sluice::search {
namespace {

using ::testing::HasSubstr;

std::string Monthly(const std::string& pipelines) {
  return R"({"h":{"date_histogram":{"field":"ts","calendar_interval":"month"},
             "aggs":{"s":{"sum":{"field":"n"}})" +
         (pipelines.empty() ? "" : "," + pipelines) + "}}}";
}

TEST_F(AggregationsTest, SiblingBucketMetrics) {
  std::string out = Aggs(Monthly("").substr(0, Monthly("").size() - 1) +
                         R"(,"max":{"max_bucket":{"buckets_path":"h>s"}},)"
                         R"("min":{"min_bucket":{"buckets_path":"h>s"}},)"
                         R"("avg":{"avg_bucket":{"buckets_path":"h>s"}},)"
                         R"("sum":{"sum_bucket":{"buckets_path":"h>s"}},)"
                         R"("st":{"stats_bucket":{"buckets_path":"h>s"}},)"
                         R"("cnt":{"max_bucket":{"buckets_path":"h>_count"}}})");
  // March is empty: skipped by the default gap policy (but not for _count).
  EXPECT_THAT(out, HasSubstr(R"("max":{"value":152.0,"keys":["2024-02-01T00:00:00.000Z"]})"));
  EXPECT_THAT(out, HasSubstr(R"("min":{"value":1.0,"keys":["2024-01-01T00:00:00.000Z"]})"));
  EXPECT_THAT(out, HasSubstr(R"("avg":{"value":101.33333333333333})"));
  EXPECT_THAT(out, HasSubstr(R"("sum":{"value":304.0})"));
  EXPECT_THAT(out, HasSubstr(R"("st":{"count":3,"min":1.0,"max":152.0,"avg":101.33333333333333,"sum":304.0})"));
  EXPECT_THAT(out, HasSubstr(R"("cnt":{"value":2.0,"keys":["2024-02-01T00:00:00.000Z"]})"));
}

TEST_F(AggregationsTest, DerivativeAndCumulativeSum) {
  std::string out = Aggs(Monthly(R"("d":{"derivative":{"buckets_path":"s"}},)"
                                 R"("c":{"cumulative_sum":{"buckets_path":"s"}})"));
  EXPECT_THAT(out, HasSubstr(R"("doc_count":1,"s":{"value":1.0},"c":{"value":1.0}})"));
  EXPECT_THAT(out, HasSubstr(R"("s":{"value":152.0},"d":{"value":151.0},"c":{"value":153.0}})"));
  // March is a gap (NaN under skip): its derivative and April's are null.
  EXPECT_THAT(out, HasSubstr(R"("doc_count":0,"s":{"value":0.0},"d":{"value":null},"c":{"value":153.0}})"));
  EXPECT_THAT(out, HasSubstr(R"("s":{"value":151.0},"d":{"value":null},"c":{"value":304.0}})"));
}

TEST_F(AggregationsTest, MovingFnOverTheWindowBeforeEachBucket) {
  std::string out = Aggs(Monthly(
      R"j("m":{"moving_fn":{"buckets_path":"s","window":2,"script":"MovingFunctions.unweightedAvg(values)"}})j"));
  EXPECT_THAT(out, HasSubstr(R"("s":{"value":1.0},"m":{"value":null}})"));
  EXPECT_THAT(out, HasSubstr(R"("s":{"value":152.0},"m":{"value":1.0}})"));
  EXPECT_THAT(out, HasSubstr(R"("doc_count":0,"s":{"value":0.0}})"));
  EXPECT_THAT(out, HasSubstr(R"("s":{"value":151.0},"m":{"value":76.5}})"));
  auto r = Run(R"j({"aggs":{"h":{"histogram":{"field":"n","interval":50},"aggs":{
                   "m":{"moving_fn":{"buckets_path":"_count","window":0,"script":"MovingFunctions.max(values)"}}}}}})j");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("[window] must be a positive, non-zero integer."));
}

TEST_F(AggregationsTest, MovingFunctionScripts) {
  std::vector<double> v = {1, 2, 4};
  auto fn = [](const char* script) { return ParseMovingFunction(script); };
  EXPECT_DOUBLE_EQ(fn("MovingFunctions.max(values)")->Apply(v), 4);
  EXPECT_DOUBLE_EQ(fn("return MovingFunctions.sum(values);")->Apply(v), 7);
  // Weights 1, 2, 3 over a total weight of 1 + 1 + 2 + 3.
  EXPECT_DOUBLE_EQ(fn("MovingFunctions.linearWeightedAvg(values)")->Apply(v), 17.0 / 7);
  // ewma: 1, then 2*0.5 + 1*0.5 = 1.5, then 4*0.5 + 1.5*0.5 = 2.75.
  EXPECT_DOUBLE_EQ(fn("MovingFunctions.ewma(values, 0.5)")->Apply(v), 2.75);
  EXPECT_DOUBLE_EQ(
      fn("MovingFunctions.stdDev(values, MovingFunctions.unweightedAvg(values))")->Apply({1, 3}), 1);
  EXPECT_TRUE(std::isnan(fn("MovingFunctions.min(values)")->Apply({})));
  EXPECT_FALSE(fn("values[0] * 2").ok());
  EXPECT_FALSE(fn("MovingFunctions.holtWinters(values, 0.1, 0.1, 0.1, 2, false)").ok());
}

TEST_F(AggregationsTest, BucketSortOrdersAndTruncatesTheParentsBuckets) {
  // x: n 1 + 51; y: 1 + 101; z: 151.
  std::string out = Aggs(R"({"t":{"terms":{"field":"tag"},"aggs":{"s":{"sum":{"field":"n"}},
                             "o":{"bucket_sort":{"sort":[{"s":{"order":"desc"}}],"size":2}}}}})");
  EXPECT_THAT(out, HasSubstr(R"("buckets":[{"key":"z","doc_count":1,"s":{"value":151.0}},)"
                             R"({"key":"y","doc_count":2,"s":{"value":102.0}}]})"));
  auto top = Run(R"({"aggs":{"t":{"terms":{"field":"tag"}},"o":{"bucket_sort":{"sort":["t>_count"]}}}})");
  ASSERT_FALSE(top.ok());
  EXPECT_THAT(top.status().reason(),
              HasSubstr("bucket_sort aggregation [o] must be declared inside of another aggregation"));
}

TEST_F(AggregationsTest, BucketsPathErrorsNameWhatTheyFound) {
  auto r = Run(R"({"aggs":{"t":{"terms":{"field":"n"},"aggs":{"u":{"terms":{"field":"n"}}}},
                   "m":{"max_bucket":{"buckets_path":"t>u"}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("got: [LongTerms] at aggregation [u]"));
  r = Run(R"({"aggs":{"t":{"terms":{"field":"n"},"aggs":{"p":{"percentiles":{"field":"n"}}}},
              "m":{"max_bucket":{"buckets_path":"t>p"}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("but [p] contains multiple values"));
  // A named percentile is a number.
  EXPECT_THAT(Aggs(R"({"t":{"terms":{"field":"n"},"aggs":{"p":{"percentiles":{"field":"n"}}}},
                      "m":{"max_bucket":{"buckets_path":"t>p[99.0]"}}})"),
              HasSubstr(R"("m":{"value":151.0,"keys":["151"]})"));
  r = Run(R"({"aggs":{"a":{"avg":{"field":"n"}},"d":{"derivative":{"buckets_path":"a"}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().reason(), HasSubstr("must have a histogram, date_histogram or auto_date_histogram as parent"));
}

}  // namespace
}  // namespace sluice::search
