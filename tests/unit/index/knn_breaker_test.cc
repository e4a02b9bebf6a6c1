// KnnMemoryBreaker (knn.memory.circuit_breaker.limit), its use by Index::Write
// through a Catalog, and ClusterSettings persisting the limit.
#include "index/knn_breaker.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "index/catalog.h"
#include "index/cluster_settings.h"
#include "index/test_store.h"
#include "vector/vector_index.h"

namespace sluice::index {
namespace {

TEST(ParseMemorySizeTest, PercentagesBytesAndUnits) {
  EXPECT_EQ(*ParseMemorySize("s", "60%", 1000), 600u);
  EXPECT_EQ(*ParseMemorySize("s", "0%", 1000), 0u);
  EXPECT_EQ(*ParseMemorySize("s", "12345", 1000), 12345u);
  EXPECT_EQ(*ParseMemorySize("s", "512mb", 1000), 512u << 20);
  EXPECT_EQ(*ParseMemorySize("s", "2KB", 1000), 2048u);
  EXPECT_EQ(*ParseMemorySize("s", "1.5gb", 1000), 3u << 29);
  auto bad = ParseMemorySize("knn.memory.circuit_breaker.limit", "lots", 1000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().type(), "illegal_argument_exception");
  EXPECT_NE(bad.status().reason().find("failed to parse setting [knn.memory.circuit_breaker.limit]"
                                       " with value [lots]"),
            std::string::npos);
  EXPECT_FALSE(ParseMemorySize("s", "150%", 1000).ok());
  EXPECT_FALSE(ParseMemorySize("s", "x%", 1000).ok());
  EXPECT_FALSE(ParseMemorySize("s", "", 1000).ok());
}

TEST(KnnMemoryBreakerTest, TripsOverTheLimitAndResetsUnderThreeQuarters) {
  KnnMemoryBreaker breaker(1000);
  EXPECT_EQ(breaker.limit(), 500u);  // the default: 50% of the base
  ASSERT_TRUE(breaker.SetLimit("1000b").ok());
  breaker.Add(900);
  EXPECT_TRUE(breaker.Admit(100));
  EXPECT_FALSE(breaker.triggered());
  EXPECT_FALSE(breaker.Admit(101));
  EXPECT_TRUE(breaker.triggered());
  EXPECT_FALSE(breaker.Admit(1));  // stays tripped while over 75 %
  breaker.Add(-100);               // 800
  EXPECT_TRUE(breaker.triggered());
  breaker.Add(-50);  // 750: back at the unset percentage
  EXPECT_FALSE(breaker.triggered());
  EXPECT_TRUE(breaker.Admit(10));
  ASSERT_TRUE(breaker.SetLimit("0").ok());  // no limit
  EXPECT_TRUE(breaker.Admit(1u << 30));
  EXPECT_FALSE(breaker.SetLimit("much").ok());
  EXPECT_EQ(breaker.limit(), 0u);  // unchanged by a bad value
}

std::vector<WriteResult> WriteVector(Index& index, const std::string& id) {
  std::vector<WriteOp> ops(1);
  ops[0].id = id;
  ops[0].source = R"({"v":[1.5,2.5,3.5,4.5]})";
  return index.Write(std::move(ops));
}

TEST(KnnMemoryBreakerTest, WritesOfVectorsAreRefusedOverTheLimit) {
  testutil::TempStore store;
  auto breaker = std::make_shared<KnnMemoryBreaker>(uint64_t{1} << 30);
  ASSERT_TRUE(breaker->SetLimit("64kb").ok());
  IndexOptions options;
  options.knn_breaker = breaker;
  auto catalog = Catalog::Open(store.get(), options);
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  auto index = (*catalog)->Create(
      "vec", R"({"settings":{"index.knn":true},"mappings":{"properties":{)"
             R"("v":{"type":"knn_vector","dimension":4},"t":{"type":"keyword"}}}})");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  int written = 0;
  util::Status refused;
  for (int i = 0; i < 100000 && refused.ok(); ++i) {
    auto r = WriteVector(**index, std::to_string(i));
    ASSERT_EQ(r.size(), 1u);
    if (r[0].status.ok()) ++written;
    refused = r[0].status;
  }
  ASSERT_FALSE(refused.ok()) << "64 KiB of graphs never refused a vector";
  EXPECT_GT(written, 0);
  EXPECT_EQ(refused.type(), "knn_circuit_breaker_exception");
  EXPECT_EQ(refused.code(), util::Code::kInternal);  // 500, as the plugin's RuntimeException
  EXPECT_NE(refused.reason().find("circuit breaker triggered"), std::string::npos);
  EXPECT_TRUE(breaker->triggered());
  // The graph's reserved capacity grows in steps: it may pass the limit by one.
  EXPECT_GT(breaker->used(), breaker->limit() / 2);
  EXPECT_EQ((*index)->vectors("v")->Size(), static_cast<size_t>(written));

  // Documents without vectors are still written; vectors stay refused.
  std::vector<WriteOp> ops(1);
  ops[0].id = "text";
  ops[0].source = R"({"t":"x"})";
  EXPECT_TRUE((*index)->Write(std::move(ops))[0].status.ok());
  EXPECT_FALSE(WriteVector(**index, "again")[0].status.ok());

  // Dropping the index gives its graph memory back: the breaker resets.
  index->reset();
  ASSERT_TRUE((*catalog)->Delete("vec").ok());
  EXPECT_EQ(breaker->used(), 0u);
  EXPECT_FALSE(breaker->triggered());
  auto other =
      (*catalog)->Create("vec2", R"({"settings":{"index.knn":true},"mappings":{"properties":{)"
                                 R"("v":{"type":"knn_vector","dimension":4}}}})");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(WriteVector(**other, "1")[0].status.ok());
  EXPECT_GT(breaker->used(), 0u);
}

TEST(ClusterSettingsTest, PersistentLimitSurvivesReopenAndTransientWins) {
  testutil::TempStore store;
  KnnMemoryBreaker breaker(1000);
  {
    auto settings = ClusterSettings::Open(store.get(), &breaker);
    ASSERT_TRUE(settings.ok());
    ASSERT_TRUE((*settings)->Apply({{"knn.memory.circuit_breaker.limit", "60%"}}, {}).ok());
    EXPECT_EQ(breaker.limit(), 600u);
    ASSERT_TRUE((*settings)->Apply({}, {{"knn.memory.circuit_breaker.limit", "100b"}}).ok());
    EXPECT_EQ(breaker.limit(), 100u);
    auto unknown = (*settings)->Apply({{"no.such.setting", "1"}}, {});
    EXPECT_EQ(unknown.reason(), "persistent setting [no.such.setting], not recognized");
    auto bad = (*settings)->Apply({}, {{"knn.memory.circuit_breaker.limit", "lots"}});
    EXPECT_EQ(bad.type(), "illegal_argument_exception");
    EXPECT_EQ(breaker.limit(), 100u);
    EXPECT_EQ((*settings)->transient().at("knn.memory.circuit_breaker.limit"), "100b");
  }
  store.Reopen();
  KnnMemoryBreaker fresh(1000);
  auto settings = ClusterSettings::Open(store.get(), &fresh);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(fresh.limit(), 600u);  // the persistent value; the transient one is gone
  EXPECT_TRUE((*settings)->transient().empty());
  ASSERT_TRUE((*settings)->Apply({{"knn.memory.circuit_breaker.limit", std::nullopt}}, {}).ok());
  EXPECT_EQ(fresh.limit(), 500u);  // reset: the default
  EXPECT_TRUE((*settings)->persistent().empty());
}

TEST(ClusterSettingsTest, AllocationSettingsAreValidatedStoredAndReset) {
  testutil::TempStore store;
  auto settings = ClusterSettings::Open(store.get(), nullptr);
  ASSERT_TRUE(settings.ok());
  const std::string key = "cluster.routing.allocation.enable";
  EXPECT_EQ(ClusterSettings::Defaults().at(key), "all");
  ASSERT_TRUE((*settings)->Apply({{key, "none"}}, {}).ok());
  EXPECT_EQ((*settings)->persistent().at(key), "none");
  auto bad = (*settings)->Apply({}, {{key, "sometimes"}});
  EXPECT_EQ(bad.type(), "illegal_argument_exception");
  EXPECT_EQ(bad.reason(), "illegal value can't update [" + key + "] from [all] to [sometimes]");
  EXPECT_TRUE((*settings)->transient().empty());
  ASSERT_TRUE((*settings)->Apply({{key, std::nullopt}}, {}).ok());
  EXPECT_TRUE((*settings)->persistent().empty());
}

}  // namespace
}  // namespace sluice::index
