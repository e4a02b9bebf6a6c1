#include "index/index_settings.h"

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

IndexSettings ParseOk(std::string_view json) {
  auto s = IndexSettings::Parse(json);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : IndexSettings();
}

TEST(IndexSettingsTest, DefaultsMatchOpenSearch) {
  for (std::string_view json : {"", "{}"}) {
    IndexSettings s = ParseOk(json);
    EXPECT_EQ(s.number_of_shards(), 1);
    EXPECT_EQ(s.number_of_replicas(), 1);
    EXPECT_FALSE(s.knn());
    EXPECT_EQ(s.knn_ef_search(), 100);
    EXPECT_EQ(s.max_result_window(), 10000);
    EXPECT_EQ(s.flat().at("index.number_of_shards"), "1");
    EXPECT_EQ(s.flat().at("index.number_of_replicas"), "1");
  }
}

TEST(IndexSettingsTest, AcceptsNestedSettings) {
  IndexSettings s = ParseOk(
      R"({"index":{"knn":true,"knn.algo_param.ef_search":64,"number_of_shards":1,"number_of_replicas":0}})");
  EXPECT_TRUE(s.knn());
  EXPECT_EQ(s.knn_ef_search(), 64);
  EXPECT_EQ(s.number_of_replicas(), 0);
  EXPECT_EQ(s.flat().at("index.knn"), "true");
  EXPECT_EQ(s.flat().at("index.knn.algo_param.ef_search"), "64");
}

TEST(IndexSettingsTest, AcceptsFlatSettingsWithOrWithoutIndexPrefix) {
  IndexSettings s =
      ParseOk(R"({"index.knn":"true","number_of_replicas":"2","max_result_window":50})");
  EXPECT_TRUE(s.knn());
  EXPECT_EQ(s.number_of_replicas(), 2);
  EXPECT_EQ(s.max_result_window(), 50);
  EXPECT_EQ(s.flat().at("index.number_of_replicas"), "2");
  EXPECT_EQ(s.flat().at("index.max_result_window"), "50");
}

TEST(IndexSettingsTest, MixesNestingLevels) {
  IndexSettings s =
      ParseOk(R"({"index":{"knn":{"algo_param":{"ef_search":"200"}}},"index.knn":true})");
  EXPECT_TRUE(s.knn());
  EXPECT_EQ(s.knn_ef_search(), 200);
}

TEST(IndexSettingsTest, UnknownSettingIsRejected) {
  auto s = IndexSettings::Parse(R"({"index":{"foo":1}})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().type(), "illegal_argument_exception");
  EXPECT_EQ(s.status().reason(),
            "unknown setting [index.foo] please check that any required plugins are installed, "
            "or check the breaking changes documentation for removed settings");
  EXPECT_EQ(IndexSettings::Parse(R"({"foo.bar":1})").status().reason().substr(0, 27),
            "unknown setting [index.foo.");
}

TEST(IndexSettingsTest, PrivateSettingIsRejected) {
  auto s = IndexSettings::Parse(R"({"index":{"uuid":"abc"}})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().type(), "illegal_argument_exception");
  EXPECT_EQ(s.status().reason(), "private index setting [index.uuid] can not be set explicitly");
  EXPECT_FALSE(IndexSettings::Parse(R"({"index.creation_date":"1"})").ok());
}

TEST(IndexSettingsTest, BadValuesAreRejected) {
  EXPECT_FALSE(IndexSettings::Parse(R"({"index.knn":"yes"})").ok());
  EXPECT_FALSE(IndexSettings::Parse(R"({"number_of_shards":0})").ok());
  EXPECT_FALSE(IndexSettings::Parse(R"({"number_of_replicas":-1})").ok());
  EXPECT_FALSE(IndexSettings::Parse(R"({"number_of_replicas":"two"})").ok());
  EXPECT_FALSE(IndexSettings::Parse(R"({"index.knn.algo_param.ef_search":1})").ok());
  EXPECT_FALSE(IndexSettings::Parse("[]").ok());
  EXPECT_FALSE(IndexSettings::Parse("{").ok());
}

TEST(IndexSettingsTest, KnownPrefixFamiliesAreAccepted) {
  IndexSettings s = ParseOk(
      R"({"index":{"analysis":{"analyzer":{"a":{"type":"standard"}}},"refresh_interval":"1s"}})");
  EXPECT_EQ(s.flat().at("index.analysis.analyzer.a.type"), "standard");
  EXPECT_EQ(s.flat().at("index.refresh_interval"), "1s");
}

TEST(IndexSettingsTest, RealLimitSettingsAreStoredAndChecked) {
  IndexSettings s = ParseOk(
      R"({"index":{"number_of_routing_shards":8,"max_terms_count":100,"highlight":{"max_analyzed_offset":"10"}}})");
  EXPECT_EQ(s.flat().at("index.number_of_routing_shards"), "8");
  EXPECT_EQ(s.flat().at("index.max_terms_count"), "100");
  EXPECT_EQ(s.flat().at("index.highlight.max_analyzed_offset"), "10");
  EXPECT_EQ(IndexSettings::Parse(R"({"index.max_terms_count":"many"})").status().reason(),
            "Failed to parse value [many] for setting [index.max_terms_count]");
  EXPECT_FALSE(IndexSettings::Parse(R"({"index.number_of_routing_shards":0})").ok());
}

TEST(IndexSettingsTest, ToNestedJsonNestsByDotsWithStringValues) {
  IndexSettings s = ParseOk(
      R"({"index":{"knn":true,"knn.algo_param.ef_search":100,"number_of_shards":1,"number_of_replicas":0}})");
  EXPECT_EQ(s.ToNestedJson(), R"({"index":{"knn":"true","knn.algo_param":{"ef_search":"100"},)"
                              R"("number_of_replicas":"0","number_of_shards":"1"}})");
}

TEST(IndexSettingsTest, GeneratedSettingsAppearInOutput) {
  IndexSettings s = ParseOk("");
  s.SetGenerated("books", "abcdefghijklmnopqrstuv", 1778255937147);
  EXPECT_EQ(s.flat().at("index.provided_name"), "books");
  EXPECT_EQ(s.flat().at("index.uuid"), "abcdefghijklmnopqrstuv");
  EXPECT_EQ(s.flat().at("index.creation_date"), "1778255937147");
  EXPECT_EQ(s.flat().at("index.version.created"), "137277827");
  std::string nested = s.ToNestedJson();
  EXPECT_NE(nested.find(R"("version":{"created":"137277827"})"), std::string::npos) << nested;
  EXPECT_NE(nested.find(R"("replication":{"type":"DOCUMENT"})"), std::string::npos) << nested;
}

TEST(IndexSettingsTest, FlatJsonRoundTrips) {
  IndexSettings s =
      ParseOk(R"({"index":{"knn":true,"number_of_replicas":0,"max_result_window":20}})");
  s.SetGenerated("x", "u", 5);
  auto back = IndexSettings::FromFlatJson(s.ToFlatJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->flat(), s.flat());
  EXPECT_TRUE(back->knn());
  EXPECT_EQ(back->number_of_replicas(), 0);
  EXPECT_EQ(back->max_result_window(), 20);
}

}  // namespace
}  // namespace sluice::index
