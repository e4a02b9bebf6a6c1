// Aliases in the catalog: resolution, write index, atomic actions, persistence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/catalog.h"
#include "index/test_store.h"
#include "storage/store.h"

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using Kind = AliasAction::Kind;

AliasAction Add(std::string index, std::string alias, AliasMetadata meta = {}) {
  AliasAction a;
  a.index = std::move(index);
  a.alias = std::move(alias);
  a.metadata = std::move(meta);
  return a;
}

AliasAction Remove(std::string index, std::string alias) {
  AliasAction a = Add(std::move(index), std::move(alias));
  a.kind = Kind::kRemove;
  return a;
}

class CatalogAliasTest : public ::testing::Test {
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
  void CreateOk(std::string_view name, std::string_view body = "") {
    auto i = catalog_->Create(name, body);
    ASSERT_TRUE(i.ok()) << i.status().ToString();
  }
  std::vector<std::string> Names(std::string_view expression) {
    auto r = catalog_->Resolve(expression);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> names;
    if (r.ok()) {
      for (const auto& i : *r) names.push_back(i->name());
    }
    return names;
  }
  std::string WriteIndex(std::string_view name) {
    auto r = catalog_->Get(name);
    return r.ok() ? (*r)->name() : r.status().type() + ": " + r.status().reason();
  }

  testutil::TempStore store_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogAliasTest, AliasResolvesToItsIndicesForReadsAndWildcards) {
  CreateOk("v1");
  CreateOk("v2");
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "products"), Add("v2", "products")}).ok());
  EXPECT_THAT(Names("products"), ElementsAre("v1", "v2"));
  EXPECT_THAT(Names("prod*"), ElementsAre("v1", "v2"));
  EXPECT_THAT(Names("products,v1"), ElementsAre("v1", "v2"));
  auto missing = catalog_->Resolve("nope");
  EXPECT_EQ(missing.status().type(), "index_not_found_exception");
}

TEST_F(CatalogAliasTest, WritesGoToTheWriteIndexOrTheOnlyIndex) {
  CreateOk("v1");
  CreateOk("v2");
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "one"), Add("v1", "two"), Add("v2", "two")}).ok());
  EXPECT_EQ(WriteIndex("one"), "v1");
  EXPECT_EQ(WriteIndex("two"),
            "illegal_argument_exception: no write index is defined for alias [two]. The write "
            "index may be explicitly disabled using is_write_index=false or the alias points to "
            "multiple indices without one being designated as a write index");
  AliasMetadata writer;
  writer.is_write_index = true;
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v2", "two", writer)}).ok());
  EXPECT_EQ(WriteIndex("two"), "v2");
  AliasMetadata not_writer;
  not_writer.is_write_index = false;
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "one", not_writer)}).ok());
  EXPECT_THAT(WriteIndex("one"), ::testing::StartsWith("illegal_argument_exception"));
  // A second write index is refused.
  util::Status two_writers = catalog_->UpdateAliases({Add("v1", "two", writer)});
  EXPECT_EQ(two_writers.type(), "illegal_state_exception");
  EXPECT_EQ(two_writers.reason(), "alias [two] has more than one write index [v1,v2]");
}

TEST_F(CatalogAliasTest, ActionsApplyAllOrNone) {
  CreateOk("v1");
  CreateOk("v2");
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "products")}).ok());
  // The swap fails on its last action: nothing of it is applied.
  util::Status s = catalog_->UpdateAliases(
      {Remove("v1", "products"), Add("v2", "products"), Remove("v2", "ghost")});
  EXPECT_EQ(s.type(), "aliases_not_found_exception");
  EXPECT_EQ(s.reason(), "aliases [ghost] missing");
  EXPECT_THAT(Names("products"), ElementsAre("v1"));
  ASSERT_TRUE(catalog_->UpdateAliases({Remove("v1", "products"), Add("v2", "products")}).ok());
  EXPECT_THAT(Names("products"), ElementsAre("v2"));
}

TEST_F(CatalogAliasTest, NamesClashingWithIndicesAreRefused) {
  CreateOk("v1");
  CreateOk("v2");
  util::Status s = catalog_->UpdateAliases({Add("v1", "v2")});
  EXPECT_EQ(s.type(), "invalid_alias_name_exception");
  EXPECT_EQ(s.reason(), "Invalid alias name [v2], an index exists with the same name as the alias");
  EXPECT_EQ(catalog_->UpdateAliases({Add("v1", "_bad")}).type(), "invalid_alias_name_exception");
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "live")}).ok());
  auto created = catalog_->Create("live", "");
  EXPECT_EQ(created.status().type(), "invalid_index_name_exception");
  EXPECT_EQ(created.status().reason(), "Invalid index name [live], already exists as alias");
  // remove_index frees the name for an alias in the same request.
  AliasAction drop;
  drop.kind = Kind::kRemoveIndex;
  drop.index = "v2";
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v1", "v2"), drop}).ok());
  EXPECT_THAT(Names("v2"), ElementsAre("v1"));
}

TEST_F(CatalogAliasTest, AliasesSurviveARestartAndDieWithTheirIndex) {
  CreateOk("v1", R"({"aliases":{"products":{"routing":"r","is_write_index":true}}})");
  CreateOk("v2");
  ASSERT_TRUE(catalog_->UpdateAliases({Add("v2", "old")}).ok());
  Reopen();
  auto aliases = catalog_->Aliases();
  ASSERT_EQ(aliases["v1"].count("products"), 1u);
  EXPECT_EQ(aliases["v1"]["products"].ToJson(),
            R"({"index_routing":"r","search_routing":"r","is_write_index":true})");
  EXPECT_THAT(Names("old"), ElementsAre("v2"));
  ASSERT_TRUE(catalog_->Delete("v2").ok());
  CreateOk("v2");
  Reopen();
  EXPECT_TRUE(catalog_->Aliases()["v2"].empty());
  EXPECT_EQ(catalog_->Resolve("old").status().type(), "index_not_found_exception");
}

TEST_F(CatalogAliasTest, CreateWithARefusedAliasCreatesNothing) {
  CreateOk("taken");
  auto created = catalog_->Create("fresh", R"({"aliases":{"taken":{}}})");
  EXPECT_EQ(created.status().type(), "invalid_alias_name_exception");
  EXPECT_EQ(catalog_->Resolve("fresh").status().type(), "index_not_found_exception");
}

TEST(AliasMetadataTest, SpecificRoutingWinsOverRoutingInAnyOrder) {
  auto m = ParseAliasMetadata(R"({"index_routing":"i","routing":"r","filter":{"term":{"a":1}}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->ToJson(), R"({"filter":{"term":{"a":1}},"index_routing":"i","search_routing":"r"})");
  EXPECT_EQ(ParseAliasMetadata(R"({"abc":1})").status().reason(), "unknown field [abc]");
}

}  // namespace
}  // namespace sluice::index
