// _nodes/stats, _cluster/stats, _cat/nodes|shards|allocation|plugins and _tasks
// through the real router: shapes, selectors and the unrecognized-metric errors.
#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "api/unrecognized.h"
#include "util/process_stats.h"  // CpuLoadSampler

namespace sluice::api {
namespace {

class NodeApisTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ctx_.node.cluster_uuid = "abcdefghijklmnopqrstuv";
    ctx_.node.data_dir = ".";
    ctx_.node.memory_budget_bytes = uint64_t{1} << 30;
    ctx_.cpu_sampler = &sampler_;
  }
  util::CpuLoadSampler sampler_;
};

TEST(UnrecognizedTest, SuggestsCandidatesMoreThanHalfSimilar) {
  EXPECT_EQ(UnrecognizedReason("/_nodes/stats/transprot", {"transprot"},
                               {"transport", "jvm", "os"}, "metric"),
            "request [/_nodes/stats/transprot] contains unrecognized metric: [transprot] -> did "
            "you mean [transport]?");
  EXPECT_EQ(UnrecognizedReason("/p", {"xyz"}, {"transport"}, "metric"),
            "request [/p] contains unrecognized metric: [xyz]");
  // Several: most similar first, ties by name (both are 0.75 here); two invalid words: plural.
  EXPECT_EQ(UnrecognizedReason("/p", {"docz", "stor"}, {"docs", "store", "doc"}, "metric"),
            "request [/p] contains unrecognized metrics: [docz] -> did you mean any of [doc, "
            "docs]?, [stor] -> did you mean [store]?");
  EXPECT_FLOAT_EQ(LevenshteinSimilarity("transprot", "transport"), 1.0f - 2.0f / 9.0f);
  EXPECT_FLOAT_EQ(LevenshteinSimilarity("a", "a"), 1.0f);
}

TEST_F(NodeApisTest, NodesStatsReportsIndicesPerLevelAndRefusesUnknownMetrics) {
  Call("PUT", "/movies", R"({"settings":{"number_of_replicas":0}})");
  ASSERT_EQ(Call("PUT", "/movies/_doc/1", R"({"a":1})").status, 201);
  rapidjson::Document d = Json(Call("GET", "/_nodes/stats"));
  ASSERT_TRUE(d["nodes"].IsObject());
  ASSERT_EQ(d["nodes"].MemberCount(), 1u);
  const auto& node = d["nodes"].MemberBegin()->value;
  EXPECT_EQ(node["indices"]["docs"]["count"].GetInt(), 1);
  EXPECT_FALSE(node["indices"].HasMember("indices"));  // level=node
  EXPECT_GT(node["process"]["open_file_descriptors"].GetInt(), 0);
  EXPECT_GT(node["os"]["mem"]["total_in_bytes"].GetInt64(), 0);
  EXPECT_GT(node["fs"]["total"]["total_in_bytes"].GetInt64(), 0);
  EXPECT_FALSE(node.HasMember("jvm"));  // not invented

  rapidjson::Document level = Json(Call("GET", "/_nodes/stats/indices?level=indices"));
  const auto& by_index = level["nodes"].MemberBegin()->value["indices"]["indices"];
  ASSERT_TRUE(by_index.HasMember("movies"));
  EXPECT_EQ(by_index["movies"]["docs"]["count"].GetInt(), 1);
  EXPECT_FALSE(level["nodes"].MemberBegin()->value.HasMember("os"));

  rapidjson::Document store = Json(Call("GET", "/_nodes/stats/indices/store"));
  const auto& indices = store["nodes"].MemberBegin()->value["indices"];
  EXPECT_TRUE(indices.HasMember("store"));
  EXPECT_FALSE(indices.HasMember("docs"));

  http::Response bad = Call("GET", "/_nodes/stats/transprot");
  EXPECT_EQ(bad.status, 400);
  EXPECT_STREQ(Json(bad)["error"]["reason"].GetString(),
               "request [/_nodes/stats/transprot] contains unrecognized metric: [transprot] -> "
               "did you mean [transport]?");
  EXPECT_EQ(Call("GET", "/_nodes/stats/os/store").status, 400);  // index metric without indices
  rapidjson::Document other = Json(Call("GET", "/_nodes/some-other-node/stats"));
  EXPECT_EQ(other["_nodes"]["total"].GetInt(), 0);
  EXPECT_EQ(other["nodes"].MemberCount(), 0u);
}

TEST_F(NodeApisTest, ClusterStatsCountsIndicesShardsAndFieldTypes) {
  Call("PUT", "/a", R"({"settings":{"number_of_shards":3,"number_of_replicas":0},
                        "mappings":{"properties":{"k":{"type":"keyword"},"n":{"type":"long"}}}})");
  Call("PUT", "/b", R"({"settings":{"number_of_replicas":0},
                        "mappings":{"properties":{"k":{"type":"keyword"}}}})");
  rapidjson::Document d = Json(Call("GET", "/_cluster/stats"));
  EXPECT_STREQ(d["status"].GetString(), "green");
  EXPECT_STREQ(d["cluster_uuid"].GetString(), "abcdefghijklmnopqrstuv");
  EXPECT_EQ(d["indices"]["count"].GetInt(), 2);
  EXPECT_EQ(d["indices"]["shards"]["total"].GetInt(), 4);
  EXPECT_EQ(d["indices"]["shards"]["index"]["shards"]["max"].GetInt(), 3);
  EXPECT_EQ(d["indices"]["shards"]["index"]["shards"]["min"].GetInt(), 1);
  const auto& types = d["indices"]["mappings"]["field_types"];
  ASSERT_TRUE(types.IsArray());
  bool keyword_seen = false;
  for (const auto& t : types.GetArray()) {
    if (std::string(t["name"].GetString()) != "keyword") continue;
    keyword_seen = true;
    EXPECT_EQ(t["count"].GetInt(), 2);
    EXPECT_EQ(t["index_count"].GetInt(), 2);
  }
  EXPECT_TRUE(keyword_seen);
  EXPECT_EQ(d["nodes"]["count"]["total"].GetInt(), 1);
  EXPECT_EQ(d["nodes"]["count"]["cluster_manager"].GetInt(), 1);
  EXPECT_TRUE(d["nodes"]["discovery_types"].IsObject());
}

TEST_F(NodeApisTest, CatShardsListsPrimariesStartedAndReplicasUnassigned) {
  Call("PUT", "/idx", R"({"settings":{"number_of_shards":2,"number_of_replicas":1}})");
  Call("PUT", "/idx/_doc/1", R"({"a":1})");
  http::Response r = Call("GET", "/_cat/shards?h=index,shard,prirep,state,docs");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "idx 0 p STARTED    1\n"
            "idx 0 r UNASSIGNED  \n"
            "idx 1 p STARTED    0\n"
            "idx 1 r UNASSIGNED  \n");
  EXPECT_EQ(Call("GET", "/_cat/shards/nope").status, 404);
}

TEST_F(NodeApisTest, CatAllocationAndNodesHaveOneRowForTheNode) {
  Call("PUT", "/idx", R"({"settings":{"number_of_replicas":1}})");
  rapidjson::Document alloc = Json(Call("GET", "/_cat/allocation?format=json"));
  ASSERT_EQ(alloc.Size(), 2u);  // the node, then the unassigned replicas
  EXPECT_STREQ(alloc[0]["shards"].GetString(), "1");
  EXPECT_STREQ(alloc[0]["ip"].GetString(), "127.0.0.1");
  EXPECT_STREQ(alloc[1]["node"].GetString(), "UNASSIGNED");
  EXPECT_STREQ(alloc[1]["shards"].GetString(), "1");

  rapidjson::Document nodes =
      Json(Call("GET", "/_cat/nodes?format=json&h=id,ip,heap.max,file_desc.current,name"));
  ASSERT_EQ(nodes.Size(), 1u);
  EXPECT_EQ(std::string(nodes[0]["id"].GetString()).size(), 4u);
  EXPECT_STREQ(nodes[0]["heap.max"].GetString(), "1gb");
  EXPECT_GT(std::atoi(nodes[0]["file_desc.current"].GetString()), 0);
  rapidjson::Document full = Json(Call("GET", "/_cat/nodes?format=json&h=id&full_id=true"));
  EXPECT_EQ(std::string(full[0]["id"].GetString()).size(), 22u);
  EXPECT_EQ(Call("GET", "/_cat/plugins").body, "");
}

TEST_F(NodeApisTest, TasksListShowsItselfWithItsOpaqueId) {
  http::Request::Pairs headers{{"X-Opaque-Id", "That is me"}};
  http::Request request = http::Request::Make(
      "GET", "/_tasks?group_by=none&actions=cluster:monitor/tasks/lists&detailed=true", "",
      headers);
  rapidjson::Document d = Json(router_.Dispatch(request));
  ASSERT_TRUE(d["tasks"].IsArray());
  ASSERT_EQ(d["tasks"].Size(), 1u);
  EXPECT_STREQ(d["tasks"][0]["action"].GetString(), "cluster:monitor/tasks/lists");
  EXPECT_STREQ(d["tasks"][0]["headers"]["X-Opaque-Id"].GetString(), "That is me");
  EXPECT_TRUE(d["tasks"][0]["resource_stats"]["total"].IsObject());

  rapidjson::Document none = Json(Call("GET", "/_tasks?actions=indices:*"));
  EXPECT_EQ(none["nodes"].MemberCount(), 0u);
  rapidjson::Document by_node = Json(Call("GET", "/_tasks"));
  ASSERT_EQ(by_node["nodes"].MemberCount(), 1u);
  EXPECT_TRUE(by_node["nodes"].MemberBegin()->value["roles"].IsArray());
  EXPECT_EQ(Call("GET", "/_tasks?group_by=bogus").status, 400);

  http::Response foreign = Call("GET", "/_tasks/foo:1");
  EXPECT_EQ(foreign.status, 404);
  EXPECT_STREQ(Json(foreign)["error"]["reason"].GetString(),
               "task [foo:1] belongs to the node [foo] which isn't part of the cluster and "
               "there is no record of the task");
}

TEST_F(NodeApisTest, StatsCountWritesGetsSearchesRefreshesAndFlushes) {
  Call("PUT", "/idx", R"({"settings":{"number_of_replicas":0}})");
  Call("PUT", "/idx/_doc/1", R"({"a":1})");
  Call("PUT", "/idx/_doc/1", R"({"a":2})");
  Call("POST", "/idx/_create/1", R"({"a":3})");  // a conflict: failed
  Call("DELETE", "/idx/_doc/1");
  Call("GET", "/idx/_doc/1");                       // missing
  Call("PUT", "/idx/_doc/2", R"({"a":1})");
  Call("GET", "/idx/_doc/2");                       // found
  Call("POST", "/idx/_search", R"({"stats":["bar","baz"]})");
  Call("POST", "/idx/_search", R"({"size":0})");
  Call("POST", "/idx/_refresh");
  Call("POST", "/idx/_flush");
  rapidjson::Document d = Json(Call("GET", "/idx/_stats?groups=b*r"));
  const auto& p = d["indices"]["idx"]["primaries"];
  EXPECT_EQ(p["indexing"]["index_total"].GetInt(), 3);
  EXPECT_EQ(p["indexing"]["index_failed"].GetInt(), 1);
  EXPECT_EQ(p["indexing"]["delete_total"].GetInt(), 1);
  EXPECT_EQ(p["get"]["total"].GetInt(), 2);
  EXPECT_EQ(p["get"]["exists_total"].GetInt(), 1);
  EXPECT_EQ(p["get"]["missing_total"].GetInt(), 1);
  EXPECT_EQ(p["search"]["query_total"].GetInt(), 2);
  EXPECT_EQ(p["search"]["fetch_total"].GetInt(), 1);
  ASSERT_TRUE(p["search"].HasMember("groups"));
  EXPECT_EQ(p["search"]["groups"]["bar"]["query_total"].GetInt(), 1);
  EXPECT_FALSE(p["search"]["groups"].HasMember("baz"));
  EXPECT_EQ(p["refresh"]["total"].GetInt(), 1);
  EXPECT_EQ(p["flush"]["total"].GetInt(), 1);
  EXPECT_FALSE(Json(Call("GET", "/idx/_stats"))["_all"]["total"]["search"].HasMember("groups"));
  // _nodes/stats sums the same counters.
  rapidjson::Document n = Json(Call("GET", "/_nodes/stats/indices/indexing"));
  EXPECT_EQ(n["nodes"].MemberBegin()->value["indices"]["indexing"]["index_total"].GetInt(), 3);
}

}  // namespace
}  // namespace sluice::api
