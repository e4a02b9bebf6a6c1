// Index templates applied by Catalog::Create, closed indices and settings
// updates: the index metadata lifecycle around the catalog.
#include <gtest/gtest.h>

#include "index/catalog.h"
#include "index/test_store.h"
#include "storage/store.h"

namespace sluice::index {
namespace {

class TemplateCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    auto c = Catalog::Open(store_.get(), {});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(c).value();
  }
  void Reopen() {
    catalog_.reset();
    store_.Reopen();
    Open();
  }
  void Put(TemplateKind kind, std::string_view name, std::string_view body) {
    util::Status s = catalog_->templates().Put(kind, name, body, false);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string Setting(const Index& index, const std::string& key) {
    auto it = index.settings().flat().find(key);
    return it == index.settings().flat().end() ? "" : it->second;
  }

  testutil::TempStore store_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(TemplateCatalogTest, HighestPriorityComposableTemplateAppliesWithItsComponents) {
  Put(TemplateKind::kComponent, "ct",
      R"({"template":{"mappings":{"properties":{"a.b":{"type":"keyword"}}}}})");
  Put(TemplateKind::kComposable, "low", R"({"index_patterns":["logs-*"],"priority":1,
      "template":{"settings":{"number_of_replicas":5}}})");
  Put(TemplateKind::kComposable, "high", R"({"index_patterns":["logs-*"],"priority":9,
      "composed_of":["ct"],"template":{"settings":{"index.number_of_replicas":0,"priority":3},
      "aliases":{"all":{}}}})");
  Put(TemplateKind::kLegacy, "legacy",
      R"({"index_patterns":["*"],"settings":{"number_of_shards":4}})");
  auto index = catalog_->Create("logs-1", R"({"settings":{"index.priority":7}})");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(Setting(**index, "index.number_of_replicas"), "0");
  EXPECT_EQ(Setting(**index, "index.priority"), "7");          // the request wins
  EXPECT_EQ(Setting(**index, "index.number_of_shards"), "1");  // legacy ignored
  EXPECT_EQ((*index)->MappingJson(),
            R"({"properties":{"a":{"properties":{"b":{"type":"keyword"}}}}})");
  EXPECT_EQ(catalog_->Aliases()["logs-1"].count("all"), 1u);

  // Without a composable match, legacy templates apply in ascending order.
  Put(TemplateKind::kLegacy, "legacy2",
      R"({"index_patterns":["other*"],"order":2,"settings":{"number_of_shards":2}})");
  auto other = catalog_->Create("other", "");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Setting(**other, "index.number_of_shards"), "2");
}

TEST_F(TemplateCatalogTest, TemplatesAreValidatedAndPersisted) {
  util::Status s = catalog_->templates().Put(TemplateKind::kComposable, "t", "{}", false);
  EXPECT_EQ(s.type(), "action_request_validation_exception");
  s = catalog_->templates().Put(TemplateKind::kLegacy, "t",
                                R"({"index_patterns":"x","settings":{"foo":1}})", false);
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  Put(TemplateKind::kComposable, "a", R"({"index_patterns":["x*"]})");
  s = catalog_->templates().Put(TemplateKind::kComposable, "b", R"({"index_patterns":["x1*"]})",
                                false);
  EXPECT_EQ(s.type(), "illegal_argument_exception");  // same priority, overlapping patterns
  s = catalog_->templates().Put(TemplateKind::kComposable, "a", R"({"index_patterns":["x*"]})",
                                true);
  EXPECT_EQ(s.reason(), "index template [a] already exists");
  Reopen();
  auto got = catalog_->templates().Get(TemplateKind::kComposable, "a", false);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].second, R"({"index_patterns":["x*"],"composed_of":[]})");
  EXPECT_EQ(catalog_->templates().Delete(TemplateKind::kComposable, "nope").type(),
            "index_template_missing_exception");
}

TEST_F(TemplateCatalogTest, ClosedIndexIsRefusedConcretelySkippedByWildcardsAndPersisted) {
  auto index = catalog_->Create("c", "");
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(catalog_->Create("d", "").ok());
  ASSERT_TRUE(catalog_->SetClosed({*index}, true).ok());
  Reopen();
  EXPECT_EQ(catalog_->Get("c").status().type(), "index_closed_exception");
  EXPECT_EQ(catalog_->Resolve("c").status().type(), "index_closed_exception");
  auto wild = catalog_->Resolve("*");
  ASSERT_TRUE(wild.ok());
  ASSERT_EQ(wild->size(), 1u);
  EXPECT_EQ((*wild)[0]->name(), "d");
  auto all = catalog_->ResolveAll("c");
  ASSERT_TRUE(all.ok());
  ASSERT_TRUE(catalog_->SetClosed(*all, false).ok());
  EXPECT_TRUE(catalog_->Get("c").ok());
}

TEST_F(TemplateCatalogTest, DynamicSettingsUpdateAndSurviveReopen) {
  auto index = catalog_->Create("s", R"({"settings":{"number_of_replicas":0}})");
  ASSERT_TRUE(index.ok());
  const IndexSettings& before = (*index)->settings();
  auto updates = IndexSettings::ParseOverrides(R"({"index":{"max_result_window":20}})");
  ASSERT_TRUE(updates.ok());
  auto next = before.WithUpdates(*updates, "s/uuid", true, false);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE((*index)->UpdateSettings(*next).ok());
  EXPECT_EQ((*index)->settings().max_result_window(), 20);
  EXPECT_EQ(before.max_result_window(), 10000);  // old references stay valid
  auto codec = IndexSettings::ParseOverrides(R"({"index.codec":"best_compression"})");
  ASSERT_TRUE(codec.ok());
  EXPECT_EQ((*index)->settings().WithUpdates(*codec, "s/uuid", true, false).status().reason(),
            "Can't update non dynamic settings [[index.codec]] for open indices [[s/uuid]]");
  EXPECT_TRUE((*index)->settings().WithUpdates(*codec, "s/uuid", false, false).ok());
  auto shards = IndexSettings::ParseOverrides(R"({"number_of_shards":2})");
  ASSERT_TRUE(shards.ok());
  EXPECT_EQ((*index)->settings().WithUpdates(*shards, "s/uuid", false, false).status().reason(),
            "final index setting [index.number_of_shards], not updateable");
  Reopen();
  auto reopened = catalog_->Get("s");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->settings().max_result_window(), 20);
}

TEST_F(TemplateCatalogTest, AliasFiltersFollowOpenSearchsRules) {
  ASSERT_TRUE(catalog_->Create("a", "").ok());
  ASSERT_TRUE(catalog_->Create("b", "").ok());
  auto filtered = ParseAliasMetadata(R"({"filter":{"term":{"k":"x"}}})");
  auto other = ParseAliasMetadata(R"({"filter":{"term":{"k":"y"}}})");
  ASSERT_TRUE(filtered.ok() && other.ok());
  std::vector<AliasAction> actions(3);
  actions[0] = {AliasAction::Kind::kAdd, "a", "fx", *filtered, std::nullopt};
  actions[1] = {AliasAction::Kind::kAdd, "a", "fy", *other, std::nullopt};
  actions[2] = {AliasAction::Kind::kAdd, "b", "plain", {}, std::nullopt};
  ASSERT_TRUE(catalog_->UpdateAliases(actions).ok());
  EXPECT_EQ(catalog_->AliasFilters("fx"),
            (std::map<std::string, std::vector<std::string>>{{"a", {R"({"term":{"k":"x"}})"}}}));
  EXPECT_EQ(catalog_->AliasFilters("fx,fy")["a"].size(), 2u);  // OR-ed by the caller
  EXPECT_TRUE(catalog_->AliasFilters("fx,a").empty());         // named directly: unfiltered
  EXPECT_TRUE(catalog_->AliasFilters("plain").empty());
  EXPECT_TRUE(catalog_->AliasFilters("*").empty());
}

}  // namespace
}  // namespace sluice::index
