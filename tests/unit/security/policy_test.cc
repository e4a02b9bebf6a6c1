#include "security/policy.h"

#include <gtest/gtest.h>

namespace sluice::security {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  PolicyTest() : eval_(Roles()) {
    view_.indices = {"team-a-docs", "team-a-logs", "team-b-docs", "public"};
    view_.aliases["a-all"] = {"team-a-docs", "team-a-logs"};
    view_.aliases["mixed"] = {"team-a-docs", "team-b-docs"};
  }
  static std::map<std::string, Role, std::less<>> Roles() {
    auto roles = BuiltinRoles();
    roles["team_a"] = Role{"team_a",
                           {"cluster:monitor/*", "tasks"},
                           {{{"team-a-*"}, {"read", "write"}}, {{"public"}, {"read"}}},
                           {{"/srv/a"}, {"bucket-a/exports"}, {}}};
    roles["own"] = Role{"own", {}, {{{"${user.name}-*"}, {"all"}}}, {}};
    return roles;
  }
  std::optional<std::string> Denied(const User& u, std::string_view action,
                                    std::vector<std::string> expr) {
    return eval_.DeniedIndex(u, action, expr, view_);
  }

  Evaluator eval_;
  IndexView view_;
  User admin_{"admin", "", {"all_access"}};
  User reader_{"reader", "", {"readall"}};
  User ingester_{"ing", "", {"ingest"}};
  User a_{"anna", "", {"team_a"}};
  User nobody_{"nobody", "", {"no_such_role"}};
};

TEST_F(PolicyTest, GlobMatch) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("team-*", "team-a"));
  EXPECT_TRUE(GlobMatch("t?am-*-docs", "team-a-docs"));
  EXPECT_FALSE(GlobMatch("team-*", "steam-a"));
  EXPECT_FALSE(GlobMatch("indices:data/read/*", "indices:data/write/bulk"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
}

TEST_F(PolicyTest, BuiltinRolesOnClusterActions) {
  EXPECT_TRUE(eval_.ClusterAllowed(admin_, "cluster:admin/anything"));
  EXPECT_TRUE(eval_.ClusterAllowed(reader_, "cluster:monitor/health"));
  EXPECT_FALSE(eval_.ClusterAllowed(reader_, "cluster:admin/opensearch/ml/batch_ingestion"));
  EXPECT_TRUE(eval_.ClusterAllowed(ingester_, "cluster:admin/opensearch/ml/batch_ingestion"));
  EXPECT_TRUE(eval_.ClusterAllowed(ingester_, "cluster:admin/opensearch/ml/tasks/get"));
  EXPECT_FALSE(eval_.ClusterAllowed(nobody_, "cluster:monitor/health"));
  EXPECT_TRUE(eval_.IsSuperuser(admin_));
  EXPECT_FALSE(eval_.IsSuperuser(ingester_));
}

TEST_F(PolicyTest, IndexPatternsAndActionGroups) {
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-a-docs"}), std::nullopt);
  EXPECT_EQ(Denied(a_, "indices:data/write/bulk", {"team-a-docs"}), std::nullopt);
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-b-docs"}), "team-b-docs");
  EXPECT_EQ(Denied(a_, "indices:data/write/index", {"public"}), "public");
  EXPECT_EQ(Denied(a_, "indices:admin/delete", {"team-a-docs"}), "team-a-docs");
  EXPECT_EQ(Denied(reader_, "indices:data/read/search", {"team-b-docs"}), std::nullopt);
  EXPECT_EQ(Denied(reader_, "indices:data/write/bulk", {"public"}), "public");
  EXPECT_EQ(Denied(admin_, "indices:admin/delete", {"team-b-docs"}), std::nullopt);
  // Comma lists: every part must be allowed.
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-a-docs,public"}), std::nullopt);
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"public,team-b-docs"}), "team-b-docs");
}

TEST_F(PolicyTest, WildcardsAndAll) {
  // team-a-* resolves to two allowed indexes.
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-a-*"}), std::nullopt);
  // * and _all reach team-b-docs.
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"*"}), "team-b-docs");
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"_all"}), "team-b-docs");
  EXPECT_EQ(Denied(reader_, "indices:data/read/search", {"_all"}), std::nullopt);
  // A pattern matching nothing yet must itself be covered.
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-a-new*"}), std::nullopt);
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-c-*"}), "team-c-*");
  // An exclusion never widens.
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"team-a-*,-team-a-logs"}), std::nullopt);
}

TEST_F(PolicyTest, AliasesResolveToTheirIndexes) {
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"a-all"}), std::nullopt);
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"mixed"}), "mixed");
  EXPECT_EQ(Denied(a_, "indices:data/read/search", {"no-such-index"}), "no-such-index");
}

TEST_F(PolicyTest, UserNameSubstitution) {
  User bob{"bob", "", {"own"}};
  EXPECT_EQ(Denied(bob, "indices:admin/create", {"bob-notes"}), std::nullopt);
  EXPECT_EQ(Denied(bob, "indices:admin/create", {"alice-notes"}), "alice-notes");
}

TEST_F(PolicyTest, NoIndexMeansClusterCheck) {
  EXPECT_EQ(Denied(reader_, "indices:data/read/scroll", {}), std::nullopt);
  EXPECT_EQ(Denied(nobody_, "indices:data/read/scroll", {}), "");
}

TEST_F(PolicyTest, SourceGrantsAreTheUnionOfRoles) {
  User both{"both", "", {"team_a", "readall"}};
  SourceGrants g = eval_.Sources(both);
  EXPECT_EQ(g.file_roots, std::vector<std::string>{"/srv/a"});
  EXPECT_EQ(g.s3, std::vector<std::string>{"bucket-a/exports"});
  EXPECT_TRUE(g.http_hosts.empty());
  EXPECT_EQ(eval_.Sources(admin_).file_roots, std::vector<std::string>{"*"});
}

}  // namespace
}  // namespace sluice::security
