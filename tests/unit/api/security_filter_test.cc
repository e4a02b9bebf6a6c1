// The REST routes behind InstallSecurity: every route declares an action,
// 401/403 in the security plugin's shapes, index patterns against paths,
// aliases and _bulk bodies.
#include "api/security_filter.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "api/route_actions.h"
#include "ml/batch_predict.h"
#include "ml/connector_store.h"
#include "ml/model_store.h"
#include "security/password.h"
#include "security/security.h"
#include "tasks/task_manager.h"

namespace sluice::api {
namespace {

class SecurityFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = index::Catalog::Open(store_.get(), testutil::OneThread());
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(catalog).value();
    auto hash = security::HashPassword("pw");
    ASSERT_TRUE(hash.ok());
    security::SecurityConfig config;
    config.roles = security::BuiltinRoles();
    config.roles["team_a"] = security::Role{"team_a", {}, {{{"team-a-*"}, {"read", "write"}}}, {}};
    config.users["admin"] = {"admin", *hash, {"all_access"}};
    config.users["anna"] = {"anna", *hash, {"team_a"}};
    security_ = std::make_unique<security::Security>(config);
    ctx_.catalog = catalog_.get();
    ctx_.security = security_.get();
    // The ML routes too (connectors, models, batch predict, tasks).
    tasks_ = std::make_unique<tasks::TaskManager>(store_.get(), tasks::TaskManagerOptions{});
    connectors_ = std::make_unique<ml::ConnectorStore>(store_.get(), nullptr);
    models_ = std::make_unique<ml::ModelStore>(store_.get(), connectors_.get());
    predict_ = std::make_unique<ml::BatchPredictService>(
        models_.get(), connectors_.get(), tasks_.get(), nullptr, ml::BatchPredictOptions{});
    ctx_.tasks = tasks_.get();
    ctx_.connectors = connectors_.get();
    ctx_.models = models_.get();
    ctx_.batch_predict = predict_.get();
    RegisterAllRoutes(router_, ctx_);
    ASSERT_EQ(Call("admin", "PUT", "/team-a-1", "{}").status, 200);
    ASSERT_EQ(Call("admin", "PUT", "/team-b-1", "{}").status, 200);
    ASSERT_EQ(Call("admin", "POST", "/_aliases",
                   R"({"actions":[{"add":{"index":"team-a-1","alias":"a-alias"}},)"
                   R"({"add":{"index":"team-b-1","alias":"b-alias"}}]})")
                  .status,
              200);
  }

  http::Response Call(std::string user, std::string method, std::string target,
                      std::string body = "", std::string content_type = "application/json") {
    http::Request::Pairs headers;
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    // "<user>:pw" in base64.
    if (user == "admin") headers.emplace_back("Authorization", "Basic YWRtaW46cHc=");
    if (user == "anna") headers.emplace_back("Authorization", "Basic YW5uYTpwdw==");
    if (user == "bad") headers.emplace_back("Authorization", "Basic YW5uYTp3cm9uZw==");
    http::Request request =
        http::Request::Make(std::move(method), std::move(target), std::move(body), headers);
    request.remote_address = "192.0.2.7";
    return router_.Dispatch(request);
  }

  testutil::TempStore store_;
  std::unique_ptr<index::Catalog> catalog_;
  std::unique_ptr<security::Security> security_;
  std::unique_ptr<tasks::TaskManager> tasks_;
  std::unique_ptr<ml::ConnectorStore> connectors_;
  std::unique_ptr<ml::ModelStore> models_;
  std::unique_ptr<ml::BatchPredictService> predict_;
  ApiContext ctx_;
  http::Router router_;
};

TEST_F(SecurityFilterTest, EveryRouteDeclaresAnAction) {
  size_t routes = 0;
  router_.ForEachRoute(
      [&](std::string_view method, std::string_view pattern, const http::RouteOptions& options) {
        ++routes;
        EXPECT_FALSE(options.action.empty()) << method << " " << pattern;
      });
  EXPECT_GT(routes, 50u);
}

TEST_F(SecurityFilterTest, MlRoutesNameMlCommonsActions) {
  EXPECT_EQ(DefaultRouteAction("POST", "/_plugins/_ml/models/m1/_batch_predict"),
            "cluster:admin/opensearch/ml/predict");
  EXPECT_EQ(DefaultRouteAction("POST", "/_plugins/_ml/models/_register"),
            "cluster:admin/opensearch/ml/register_model");
  EXPECT_EQ(DefaultRouteAction("GET", "/_plugins/_ml/models/m1"),
            "cluster:admin/opensearch/ml/models/get");
  EXPECT_EQ(DefaultRouteAction("POST", "/_plugins/_ml/models/_search"),
            "cluster:admin/opensearch/ml/models/search");
  EXPECT_EQ(DefaultRouteAction("POST", "/_plugins/_ml/tasks/t1/_cancel_batch"),
            "cluster:admin/opensearch/ml/tasks/cancel");
  // A user with only index permissions may not send batch jobs.
  EXPECT_EQ(Call("anna", "POST", "/_plugins/_ml/models/m1/_batch_predict", "{}").status, 403);
}

TEST_F(SecurityFilterTest, MissingAndWrongCredentialsAre401WithTheChallenge) {
  http::Response none = Call("", "GET", "/");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, "Unauthorized");
  ASSERT_EQ(none.headers.size(), 1u);
  EXPECT_EQ(none.headers[0].second, "Basic realm=\"OpenSearch Security\"");
  EXPECT_EQ(none.delay.count(), 0);
  http::Response bad = Call("bad", "GET", "/");
  EXPECT_EQ(bad.status, 401);
  EXPECT_GT(bad.delay.count(), 0);  // held back by the failure delay, not by a thread
  // Unknown paths need credentials too.
  EXPECT_EQ(Call("", "GET", "/no/such/thing/here").status, 401);
  EXPECT_EQ(Call("anna", "GET", "/no/such/thing/here").status, 400);
}

TEST_F(SecurityFilterTest, ForbiddenInTheSecurityPluginShape) {
  http::Response r = Call("anna", "POST", "/team-b-1/_search", "{}");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find(R"("type":"security_exception")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("no permissions for [indices:data/read/search] and User [name=anna, "
                        "backend_roles=[], requestedTenant=null]"),
            std::string::npos)
      << r.body;
  // team_a has no cluster permissions.
  EXPECT_EQ(Call("anna", "GET", "/_cluster/health").status, 403);
  EXPECT_EQ(Call("admin", "GET", "/_cluster/health").status, 200);
}

TEST_F(SecurityFilterTest, PatternsAliasesAndBulkBodies) {
  EXPECT_EQ(Call("anna", "POST", "/team-a-1/_search", "{}").status, 200);
  EXPECT_EQ(Call("anna", "POST", "/team-a-*/_search", "{}").status, 200);
  EXPECT_EQ(Call("anna", "POST", "/a-alias/_search", "{}").status, 200);
  EXPECT_EQ(Call("anna", "POST", "/b-alias/_search", "{}").status, 403);
  EXPECT_EQ(Call("anna", "POST", "/_all/_search", "{}").status, 403);
  EXPECT_EQ(Call("anna", "PUT", "/team-a-1/_doc/1", R"({"a":1})").status, 201);
  EXPECT_EQ(Call("anna", "DELETE", "/team-a-1").status, 403);  // write is not manage
  const std::string own = "{\"index\":{\"_index\":\"team-a-1\",\"_id\":\"2\"}}\n{\"a\":2}\n";
  const std::string other = "{\"delete\":{\"_index\":\"team-b-1\",\"_id\":\"2\"}}\n";
  EXPECT_EQ(Call("anna", "POST", "/_bulk", own, "application/x-ndjson").status, 200);
  EXPECT_EQ(Call("anna", "POST", "/_bulk", own + other, "application/x-ndjson").status, 403);
  // A path index does not hide a body's other index.
  EXPECT_EQ(Call("anna", "POST", "/team-a-1/_bulk", other, "application/x-ndjson").status, 403);
}

TEST_F(SecurityFilterTest, AuthInfoForAnyAuthenticatedUser) {
  http::Response r = Call("anna", "GET", "/_plugins/_security/authinfo");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("user_name":"anna")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("roles":["team_a"])"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("remote_address":"192.0.2.7")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sluice::api
