#include "metrics/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace sluice::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RegistryTest, RendersCounterWithHelpTypeAndLabels) {
  Registry r;
  r.GetCounter("sluice_docs_total", "Documents.", {{"index", "a"}})->Inc(3);
  EXPECT_EQ(r.Render(),
            "# HELP sluice_docs_total Documents.\n"
            "# TYPE sluice_docs_total counter\n"
            "sluice_docs_total{index=\"a\"} 3\n");
}

TEST(RegistryTest, SameNameAndLabelsReturnTheSameSeries) {
  Registry r;
  Counter* a = r.GetCounter("c_total", "h", {{"k", "v"}});
  Counter* b = r.GetCounter("c_total", "h", {{"k", "v"}});
  Counter* other = r.GetCounter("c_total", "h", {{"k", "w"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
}

TEST(RegistryTest, SeriesOfOneFamilyShareOneHeader) {
  Registry r;
  r.GetCounter("c_total", "h", {{"k", "b"}})->Inc();
  r.GetCounter("c_total", "h", {{"k", "a"}})->Inc(2);
  EXPECT_EQ(r.Render(),
            "# HELP c_total h\n# TYPE c_total counter\n"
            "c_total{k=\"a\"} 2\nc_total{k=\"b\"} 1\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.GetGauge("g", "line1\nback\\slash", {{"path", "a\"b\\c\nd"}})->Set(1.5);
  EXPECT_EQ(r.Render(),
            "# HELP g line1\\nback\\\\slash\n# TYPE g gauge\n"
            "g{path=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(RegistryTest, GaugeSetsAndAdds) {
  Registry r;
  Gauge* g = r.GetGauge("g", "h");
  g->Set(10);
  g->Add(-2.5);
  EXPECT_DOUBLE_EQ(g->value(), 7.5);
  EXPECT_THAT(r.Render(), HasSubstr("\ng 7.5\n"));
}

TEST(RegistryTest, HistogramRendersCumulativeBucketsSumAndCount) {
  Registry r;
  Histogram* h = r.GetHistogram("lat_seconds", "Latency.", {0.1, 1}, {{"route", "/"}});
  h->Observe(0.05);
  h->Observe(0.1);  // the bound is inclusive (le)
  h->Observe(0.5);
  h->Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{route=\"/\",le=\"1\"} 3\n"
            "lat_seconds_bucket{route=\"/\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/\"} 7.65\n"
            "lat_seconds_count{route=\"/\"} 4\n");
}

TEST(RegistryTest, CollectorsAddSamplesAtScrapeTime) {
  Registry r;
  int state = 1;
  r.AddCollector([&state](Scrape& s) {
    s.Gauge("tasks", "Tasks by state.", {{"state", "RUNNING"}}, state);
    s.Counter("scrapes_total", "Scrapes.", {}, 5);
  });
  EXPECT_THAT(r.Render(), HasSubstr("tasks{state=\"RUNNING\"} 1\n"));
  state = 4;
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE tasks gauge\ntasks{state=\"RUNNING\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE scrapes_total counter\nscrapes_total 5\n"));
}

TEST(RegistryTest, FamiliesAreSortedByName) {
  Registry r;
  r.GetCounter("b_total", "h")->Inc();
  r.AddCollector([](Scrape& s) { s.Gauge("a", "h", {}, 1); });
  r.GetCounter("c_total", "h")->Inc();
  std::string text = r.Render();
  EXPECT_LT(text.find("# HELP a "), text.find("# HELP b_total"));
  EXPECT_LT(text.find("# HELP b_total"), text.find("# HELP c_total"));
}

TEST(RegistryTest, InvalidNamesAndTypeClashesWorkButAreNotRendered) {
  Registry r;
  r.GetCounter("bad-name", "h")->Inc();
  r.GetCounter("ok_total", "h", {{"__reserved", "x"}})->Inc();
  r.GetCounter("dual", "h")->Inc();
  Gauge* clash = r.GetGauge("dual", "h");
  clash->Set(3);
  EXPECT_EQ(clash->value(), 3);
  r.AddCollector([](Scrape& s) { s.Gauge("dual", "h", {}, 9); });
  std::string text = r.Render();
  EXPECT_THAT(text, Not(HasSubstr("bad-name")));
  EXPECT_THAT(text, Not(HasSubstr("__reserved")));
  EXPECT_THAT(text, Not(HasSubstr("invalid")));
  EXPECT_THAT(text, HasSubstr("# TYPE dual counter\ndual 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("dual 9")));
}

TEST(RegistryTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-0.25), "-0.25");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
}

TEST(RegistryTest, ValidatesNames) {
  EXPECT_TRUE(IsValidMetricName("sluice_http:rate5m"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("source_type"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
}

TEST(RegistryTest, ConcurrentUpdatesAreAllCounted) {
  Registry r;
  Counter* c = r.GetCounter("c_total", "h");
  Histogram* h = r.GetHistogram("h_seconds", "h", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c->Inc();
        h->Observe(0.5);
        r.GetGauge("g", "h", {{"t", "x"}})->Add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->value(), 40000u);
  EXPECT_EQ(h->count(), 40000u);
  EXPECT_EQ(h->cumulative_count(0), 40000u);
  EXPECT_DOUBLE_EQ(h->sum(), 20000);
  EXPECT_DOUBLE_EQ(r.GetGauge("g", "h", {{"t", "x"}})->value(), 40000);
}

}  // namespace
}  // namespace sluice::metrics
