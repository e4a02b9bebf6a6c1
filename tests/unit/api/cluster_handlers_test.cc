// GET /, /_cluster/health and /_cat/indices through the real router (rest-api.md §2, §8, §9).
#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

class ClusterHandlersTest : public ApiTest {
 protected:
  // Writes one document whose stored record is exactly `bytes` bytes as sluice counts them
  // (the source plus a 20-byte header).
  void WriteDocOfSize(const std::string& index, size_t bytes) {
    const std::string prefix = R"({"a":")", suffix = R"("})";
    std::string source =
        prefix + std::string(bytes - 20 - prefix.size() - suffix.size(), 'x') + suffix;
    ASSERT_EQ(source.size() + 20, bytes);
    ASSERT_EQ(Call("PUT", "/" + index + "/_doc/1", source).status, 201);
  }
};

TEST_F(ClusterHandlersTest, InfoLooksLikeOpenSearch) {
  ctx_.node.cluster_uuid = "abcdefghijklmnopqrstuv";
  http::Response r = Call("GET", "/");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d = Json(r);
  EXPECT_STREQ(d["version"]["distribution"].GetString(), "opensearch");
  EXPECT_STREQ(d["version"]["number"].GetString(), "2.19.0");
  EXPECT_STREQ(d["cluster_uuid"].GetString(), "abcdefghijklmnopqrstuv");
  EXPECT_FALSE(d["version"]["build_snapshot"].GetBool());
  EXPECT_STREQ(d["tagline"].GetString(), "The OpenSearch Project: https://opensearch.org/");
  http::Response head = Call("HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ClusterHandlersTest, HealthIsYellowWithUnassignedReplicas) {
  rapidjson::Document empty = Json(Call("GET", "/_cluster/health"));
  EXPECT_STREQ(empty["status"].GetString(), "green");
  Call("PUT", "/r0", R"({"settings":{"number_of_replicas":0}})");
  EXPECT_STREQ(Json(Call("GET", "/_cluster/health"))["status"].GetString(), "green");
  Call("PUT", "/r1");
  rapidjson::Document d = Json(Call("GET", "/_cluster/health"));
  EXPECT_STREQ(d["status"].GetString(), "yellow");
  EXPECT_EQ(d["number_of_nodes"].GetInt(), 1);
  EXPECT_EQ(d["active_primary_shards"].GetInt(), 2);
  EXPECT_EQ(d["unassigned_shards"].GetInt(), 1);
  EXPECT_FALSE(d["timed_out"].GetBool());
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_status=yellow").status, 200);
  http::Response green = Call("GET", "/_cluster/health?wait_for_status=green");
  EXPECT_EQ(green.status, 408);
  EXPECT_TRUE(Json(green)["timed_out"].GetBool());
  EXPECT_STREQ(Json(Call("GET", "/_cluster/health/r0"))["status"].GetString(), "green");
}

TEST_F(ClusterHandlersTest, CatIndicesJsonValuesAreStrings) {
  Call("PUT", "/movies", R"({"settings":{"number_of_replicas":0}})");
  Call("PUT", "/movies/_doc/1", R"({"a":1})");
  http::Response r = Call("GET", "/_cat/indices?format=json");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d = Json(r);
  ASSERT_TRUE(d.IsArray());
  ASSERT_EQ(d.Size(), 1u);
  const auto& row = d[0];
  for (auto it = row.MemberBegin(); it != row.MemberEnd(); ++it) {
    EXPECT_TRUE(it->value.IsString()) << it->name.GetString();
  }
  EXPECT_STREQ(row["health"].GetString(), "green");
  EXPECT_STREQ(row["status"].GetString(), "open");
  EXPECT_STREQ(row["index"].GetString(), "movies");
  EXPECT_STREQ(row["pri"].GetString(), "1");
  EXPECT_STREQ(row["rep"].GetString(), "0");
  EXPECT_STREQ(row["docs.count"].GetString(), "1");
  EXPECT_STREQ(row["docs.deleted"].GetString(), "0");
  EXPECT_TRUE(row.HasMember("store.size") && row.HasMember("pri.store.size"));
}

TEST_F(ClusterHandlersTest, CatSizesUseOneDecimalOnlyWhereNeeded) {
  WriteDocOfSize("a", 1536);
  WriteDocOfSize("b", 2048);
  WriteDocOfSize("c", 2047);
  WriteDocOfSize("d", 100);
  auto size = [&](const char* index, const char* extra = "") {
    rapidjson::Document d = Json(
        Call("GET", std::string("/_cat/indices/") + index + "?format=json&h=store.size" + extra));
    return std::string(d[0]["store.size"].GetString());
  };
  EXPECT_EQ(size("a"), "1.5kb");
  EXPECT_EQ(size("b"), "2kb");
  EXPECT_EQ(size("c"), "1.9kb");  // truncated, as OpenSearch's format1Decimals does
  EXPECT_EQ(size("d"), "100b");
  EXPECT_EQ(size("b", "&bytes=b"), "2048");
  EXPECT_EQ(size("b", "&bytes=kb"), "2");
}

TEST_F(ClusterHandlersTest, CatTextTableWithHeaderColumnsAndSort) {
  Call("PUT", "/bbb");
  Call("PUT", "/a");
  http::Response r = Call("GET", "/_cat/indices?v&h=index,rep&s=index");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; charset=UTF-8");
  // Numeric columns are right-aligned, as OpenSearch's RestTable does.
  EXPECT_EQ(r.body, "index rep\na       1\nbbb     1\n");
  EXPECT_EQ(Call("GET", "/_cat/indices/nope?format=json").status, 404);
}

TEST_F(ClusterHandlersTest, HealthWaitConditionsAndLevels) {
  Call("PUT", "/h", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})");
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_nodes=1").status, 200);
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_nodes=%3E%3D1").status, 200);
  http::Response nodes = Call("GET", "/_cluster/health?wait_for_nodes=10&timeout=1ms");
  EXPECT_EQ(nodes.status, 408);
  EXPECT_TRUE(Json(nodes)["timed_out"].GetBool());
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_nodes=lt(1)").status, 408);
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_nodes=x").status, 400);
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_active_shards=2").status, 200);
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_active_shards=3").status, 408);
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_active_shards=all").status, 200);
  rapidjson::Document cluster = Json(Call("GET", "/_cluster/health"));
  EXPECT_FALSE(cluster.HasMember("indices"));
  rapidjson::Document idx = Json(Call("GET", "/_cluster/health?level=indices"));
  EXPECT_EQ(idx["indices"]["h"]["number_of_shards"].GetInt(), 2);
  EXPECT_FALSE(idx["indices"]["h"].HasMember("shards"));
  rapidjson::Document sh = Json(Call("GET", "/_cluster/health?level=shards"));
  EXPECT_TRUE(sh["indices"]["h"]["shards"]["1"]["primary_active"].GetBool());
}

TEST_F(ClusterHandlersTest, NodesInfoHasTheOneNode) {
  rapidjson::Document d = Json(Call("GET", "/_nodes"));
  EXPECT_EQ(d["_nodes"]["total"].GetInt(), 1);
  ASSERT_EQ(d["nodes"].MemberCount(), 1u);
  const auto& node = d["nodes"].MemberBegin()->value;
  EXPECT_EQ(std::string(d["nodes"].MemberBegin()->name.GetString()).size(), 22u);
  EXPECT_STREQ(node["version"].GetString(), "2.19.0");
  EXPECT_STREQ(node["roles"][0].GetString(), "cluster_manager");
  EXPECT_TRUE(node.HasMember("settings"));
  // A metric list selects sections; an unknown node id selects nothing.
  rapidjson::Document http_only = Json(Call("GET", "/_nodes/http"));
  const auto& n2 = http_only["nodes"].MemberBegin()->value;
  EXPECT_TRUE(n2.HasMember("http"));
  EXPECT_FALSE(n2.HasMember("settings"));
  EXPECT_EQ(Json(Call("GET", "/_nodes/nope"))["_nodes"]["total"].GetInt(), 0);
  EXPECT_EQ(Call("GET", "/_nodes/_all/bogus").status, 400);
  // What OpenSearch Dashboards' version check asks for.
  rapidjson::Document dash =
      Json(Call("GET", "/_nodes?filter_path=nodes.*.version,nodes.*.http.publish_address"));
  EXPECT_STREQ(dash["nodes"].MemberBegin()->value["version"].GetString(), "2.19.0");
  EXPECT_FALSE(dash.HasMember("cluster_name"));
}


// GET /_plugins/_knn/stats reports graph memory per index (and per field),
// growing as vectors are added, in the k-NN plugin's shape.
TEST_F(ClusterHandlersTest, KnnStatsReportGraphMemoryPerIndexAndField) {
  ASSERT_EQ(Call("PUT", "/v",
                 R"({"settings":{"index.knn":true},"mappings":{"properties":{
                     "a":{"type":"knn_vector","dimension":4},"b":{"type":"knn_vector","dimension":4}}}})")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/plain", "").status, 200);
  auto stats = [&] {
    http::Response r = Call("GET", "/_plugins/_knn/stats");
    EXPECT_EQ(r.status, 200);
    return Json(r);
  };
  rapidjson::Document before = stats();
  EXPECT_EQ(before["_nodes"]["total"].GetInt(), 1);
  EXPECT_FALSE(before["circuit_breaker_triggered"].GetBool());
  ASSERT_EQ(before["nodes"].MemberCount(), 1u);
  const auto& node0 = before["nodes"].MemberBegin()->value;
  ASSERT_TRUE(node0["indices_in_cache"].HasMember("v"));
  EXPECT_FALSE(node0["indices_in_cache"].HasMember("plain"));
  EXPECT_EQ(node0["indices_in_cache"]["v"]["graph_count"].GetInt(), 2);
  uint64_t empty_a = node0["indices_in_cache"]["v"]["fields"]["a"]["graph_memory_usage"].GetUint64();
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(Call("PUT", "/v/_doc/" + std::to_string(i),
                   "{\"a\":[1," + std::to_string(i) + ",3,4]}")
                  .status,
              201);
  }
  rapidjson::Document after = stats();
  const auto& node = after["nodes"].MemberBegin()->value;
  const auto& a = node["indices_in_cache"]["v"]["fields"]["a"];
  EXPECT_EQ(a["vector_count"].GetUint64(), 2000u);
  EXPECT_GT(a["graph_memory_usage"].GetUint64(), empty_a);
  EXPECT_GE(node["graph_memory_usage"].GetUint64(),
            node["indices_in_cache"]["v"]["graph_memory_usage"].GetUint64());
}

}  // namespace
}  // namespace sluice::api
