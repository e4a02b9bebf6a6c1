#include "cli/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "http/request.h"
#include "http/router.h"

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("sluice-engine-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static http::Response Call(const Engine& engine, std::string method, std::string target,
                             std::string body = {}) {
    http::Request::Pairs headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    http::Request r = http::Request::Make(std::move(method), std::move(target), std::move(body),
                                          std::move(headers));
    return engine.router().Dispatch(r);
  }

  static EngineOptions Options(std::string data_dir) {
    EngineOptions options;
    options.data_dir = std::move(data_dir);
    return options;
  }

  std::filesystem::path dir_;
};

TEST_F(EngineTest, CreatesTheDataDirAndServesTheRestRoutes) {
  auto engine = Engine::Open(Options((dir_ / "data").string()));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "data" / "import"));
  EXPECT_EQ((*engine)->data_dir(), dir_ / "data");
  EXPECT_FALSE((*engine)->cluster_uuid().empty());
  auto created = Call(**engine, "PUT", "/idx",
                      R"({"settings":{"index.knn":true},"mappings":{"properties":{)"
                      R"("v":{"type":"knn_vector","dimension":2}}}})");
  EXPECT_EQ(created.status, 200) << created.body;
  auto root = Call(**engine, "GET", "/");
  EXPECT_THAT(root.body, HasSubstr((*engine)->cluster_uuid()));
}

TEST_F(EngineTest, MetricsRouteRendersTasksAndIndexSizes) {
  auto engine = Engine::Open(Options(dir_.string()));
  ASSERT_TRUE(engine.ok());
  ASSERT_EQ(Call(**engine, "PUT", "/idx",
                 R"({"settings":{"index.knn":true},"mappings":{"properties":{)"
                 R"("v":{"type":"knn_vector","dimension":2}}}})")
                .status,
            200);
  ASSERT_EQ(Call(**engine, "PUT", "/idx/_doc/1", R"({"v":[1,2]})").status, 201);
  auto metrics = Call(**engine, "GET", "/_prometheus/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, kPrometheusContentType);
  EXPECT_THAT(metrics.body, HasSubstr("sluice_tasks{state=\"COMPLETED\"} 0\n"));
  EXPECT_THAT(metrics.body, HasSubstr("sluice_index_documents{index=\"idx\"} 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("sluice_vector_index_vectors{index=\"idx\",field=\"v\"} 1\n"));
}

TEST_F(EngineTest, KeepsDataAndClusterUuidAcrossReopen) {
  std::string uuid;
  {
    auto engine = Engine::Open(Options(dir_.string()));
    ASSERT_TRUE(engine.ok());
    uuid = (*engine)->cluster_uuid();
    ASSERT_EQ(Call(**engine, "PUT", "/kept", "{}").status, 200);
    ASSERT_EQ(Call(**engine, "PUT", "/kept/_doc/a", R"({"x":1})").status, 201);
  }
  auto engine = Engine::Open(Options(dir_.string()));
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ((*engine)->cluster_uuid(), uuid);
  EXPECT_EQ(Call(**engine, "GET", "/kept/_doc/a").status, 200);
}

TEST_F(EngineTest, ASecondEngineOnTheSameDirIsAnErrorNotACrash) {
  auto first = Engine::Open(Options(dir_.string()));
  ASSERT_TRUE(first.ok());
  auto second = Engine::Open(Options(dir_.string()));
  EXPECT_FALSE(second.ok());
}

TEST_F(EngineTest, ADataDirThatCannotBeCreatedIsAnError) {
  std::filesystem::create_directories(dir_);
  std::filesystem::path file = dir_ / "file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  auto engine = Engine::Open(Options((file / "data").string()));
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().reason(), HasSubstr("cannot create data dir"));
}

}  // namespace
}  // namespace sluice::cli
