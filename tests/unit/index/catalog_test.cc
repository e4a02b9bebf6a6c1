#include "index/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "index/test_store.h"
#include "storage/store.h"

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

void ExpectInvalidName(std::string_view name, const std::string& why) {
  util::Status s = ValidateIndexName(name);
  ASSERT_FALSE(s.ok()) << name;
  EXPECT_EQ(s.type(), "invalid_index_name_exception");
  EXPECT_EQ(s.reason(), "Invalid index name [" + std::string(name) + "], " + why);
  EXPECT_EQ(s.metadata(),
            (util::Status::Metadata{{"index_uuid", "_na_"}, {"index", std::string(name)}}));
}

TEST(IndexNameTest, RulesApplyInOpenSearchOrder) {
  const std::string chars =
      "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]";
  for (const char* name :
       {"a b", "a,b", "a\"b", "a*b", "a\\b", "a<b", "a|b", "a>b", "a/b", "a?b", "_A#:*"}) {
    ExpectInvalidName(name, chars);
  }
  ExpectInvalidName("", "must not be empty");
  ExpectInvalidName("_a#:B", "must not contain '#'");
  ExpectInvalidName("_a:B", "must not contain ':'");
  ExpectInvalidName("_aB", "must not start with '_', '-', or '+'");
  ExpectInvalidName("-a", "must not start with '_', '-', or '+'");
  ExpectInvalidName("+a", "must not start with '_', '-', or '+'");
  ExpectInvalidName(std::string(256, 'A'), "index name is too long, (256 > 255)");
  ExpectInvalidName(".", "must not be '.' or '..'");
  ExpectInvalidName("..", "must not be '.' or '..'");
  ExpectInvalidName("Foo", "must be lowercase");
}

TEST(IndexNameTest, AcceptsValidNames) {
  for (const char* name : {"books", ".hidden", "logs-2024.05", "a_b", "x+y", "é"}) {
    EXPECT_TRUE(ValidateIndexName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateIndexName(std::string(255, 'a')).ok());
}

TEST(IndexNameTest, IndexNotFoundHasOpenSearchMetadata) {
  util::Status s = IndexNotFound("nope");
  EXPECT_EQ(s.code(), util::Code::kNotFound);
  EXPECT_EQ(s.type(), "index_not_found_exception");
  EXPECT_EQ(s.reason(), "no such index [nope]");
  EXPECT_EQ(s.metadata(), (util::Status::Metadata{{"index", "nope"},
                                                  {"resource.id", "nope"},
                                                  {"resource.type", "index_or_alias"},
                                                  {"index_uuid", "_na_"}}));
}

class CatalogTest : public ::testing::Test {
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
  std::shared_ptr<Index> CreateOk(std::string_view name, std::string_view body = "") {
    auto i = catalog_->Create(name, body);
    EXPECT_TRUE(i.ok()) << i.status().ToString();
    return i.ok() ? *i : nullptr;
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

  testutil::TempStore store_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, CreateGetAndDuplicate) {
  auto books = CreateOk("books");
  ASSERT_NE(books, nullptr);
  EXPECT_EQ(books->name(), "books");
  EXPECT_EQ(books->uuid().size(), 22u);
  auto got = catalog_->Get("books");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, books);

  auto dup = catalog_->Create("books", "");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), util::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().type(), "resource_already_exists_exception");
  EXPECT_EQ(dup.status().reason(), "index [books/" + books->uuid() + "] already exists");
  EXPECT_EQ(dup.status().metadata(),
            (util::Status::Metadata{{"index_uuid", books->uuid()}, {"index", "books"}}));
}

TEST_F(CatalogTest, CreateChecksTheNameFirst) {
  auto r = catalog_->Create("Books", R"({"settings":{"foo":1}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "invalid_index_name_exception");
}

TEST_F(CatalogTest, CreateAppliesSettingsAndMappings) {
  auto i = CreateOk("v", R"({"settings":{"index":{"knn":true,"number_of_replicas":0}},
      "mappings":{"properties":{"emb":{"type":"knn_vector","dimension":3}}},"aliases":{}})");
  ASSERT_NE(i, nullptr);
  EXPECT_TRUE(i->settings().knn());
  EXPECT_EQ(i->settings().number_of_replicas(), 0);
  EXPECT_EQ(i->MappingJson(), R"({"properties":{"emb":{"type":"knn_vector","dimension":3}}})");
  EXPECT_NE(i->vectors("emb"), nullptr);
}

TEST_F(CatalogTest, MappingErrorsAreWrappedLikeOpenSearch) {
  auto r = catalog_->Create(
      "v", R"({"mappings":{"properties":{"emb":{"type":"knn_vector","dimension":3,"foo":1}}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(r.status().reason(),
            "Failed to parse mapping [_doc]: unknown parameter [foo] on mapper [emb] of type "
            "[knn_vector]");
  ASSERT_NE(r.status().cause(), nullptr);
  EXPECT_EQ(r.status().cause()->type(), "mapper_parsing_exception");
  EXPECT_EQ(r.status().cause()->reason(),
            "unknown parameter [foo] on mapper [emb] of type [knn_vector]");

  auto dim = catalog_->Create("v", R"({"mappings":{"properties":{"emb":{"type":"knn_vector"}}}})");
  ASSERT_FALSE(dim.ok());
  EXPECT_EQ(dim.status().reason(),
            "Failed to parse mapping [_doc]: Dimension value missing for vector: emb");
  EXPECT_EQ(dim.status().cause()->type(), "illegal_argument_exception");
  EXPECT_FALSE(catalog_->Get("v").ok());  // nothing was created
}

TEST_F(CatalogTest, BadBodiesAreRejected) {
  auto bad_json = catalog_->Create("x", "{not json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.status().type(), "parse_exception");
  EXPECT_EQ(bad_json.status().reason(), "Failed to parse content to map");

  auto setting = catalog_->Create("x", R"({"settings":{"index.foo":1}})");
  ASSERT_FALSE(setting.ok());
  EXPECT_EQ(setting.status().type(), "illegal_argument_exception");
  EXPECT_FALSE(catalog_->Get("x").ok());
}

TEST_F(CatalogTest, DeleteRemovesAndMissingIsNotFound) {
  CreateOk("a");
  EXPECT_TRUE(catalog_->Delete("a").ok());
  EXPECT_EQ(catalog_->Get("a").status().type(), "index_not_found_exception");
  util::Status s = catalog_->Delete("a");
  EXPECT_EQ(s.code(), util::Code::kNotFound);
  EXPECT_EQ(s.reason(), "no such index [a]");
}

TEST_F(CatalogTest, ResolvesNamesListsAndWildcards) {
  for (const char* n : {"logs-1", "logs-2", "metrics", "other"}) CreateOk(n);
  EXPECT_THAT(Names("metrics"), ElementsAre("metrics"));
  EXPECT_THAT(Names("metrics,logs-1"), ElementsAre("metrics", "logs-1"));
  EXPECT_THAT(Names("logs-*"), UnorderedElementsAre("logs-1", "logs-2"));
  EXPECT_THAT(Names("*s*"), UnorderedElementsAre("logs-1", "logs-2", "metrics"));
  EXPECT_THAT(Names("_all"), UnorderedElementsAre("logs-1", "logs-2", "metrics", "other"));
  EXPECT_THAT(Names("*"), UnorderedElementsAre("logs-1", "logs-2", "metrics", "other"));
  EXPECT_THAT(Names("logs-1,logs-*"), UnorderedElementsAre("logs-1", "logs-2"));  // no duplicates
  EXPECT_TRUE(Names("nothing-*").empty());
  auto missing = catalog_->Resolve("metrics,nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().type(), "index_not_found_exception");
  EXPECT_EQ(missing.status().reason(), "no such index [nope]");
}

TEST_F(CatalogTest, ReopenRestoresIndicesAndDocuments) {
  auto a = CreateOk(
      "a",
      R"({"settings":{"number_of_replicas":0},"mappings":{"properties":{"n":{"type":"long"}}}})");
  CreateOk("b");
  std::string uuid = a->uuid();
  std::vector<WriteOp> ops(2);
  ops[0].id = "1";
  ops[0].source = R"({"n":1,"s":"hello"})";
  ops[1].id = "2";
  ops[1].source = R"({"n":2})";
  for (const auto& r : a->Write(std::move(ops))) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::string mapping = a->MappingJson();
  a.reset();
  Reopen();

  auto got = catalog_->Get("a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)->uuid(), uuid);
  EXPECT_EQ((*got)->settings().number_of_replicas(), 0);
  EXPECT_EQ((*got)->doc_count(), 2u);
  EXPECT_EQ((*got)->MappingJson(), mapping);
  auto doc = (*got)->Get("1");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ((*doc)->source, R"({"n":1,"s":"hello"})");
  EXPECT_TRUE(catalog_->Get("b").ok());
  EXPECT_EQ(catalog_->List().size(), 2u);
}

TEST_F(CatalogTest, DeletedIndexStaysDeletedAfterReopen) {
  auto a = CreateOk("a");
  std::vector<WriteOp> ops(1);
  ops[0].id = "1";
  ops[0].source = R"({"x":1})";
  ASSERT_TRUE(a->Write(std::move(ops))[0].status.ok());
  a.reset();
  ASSERT_TRUE(catalog_->Delete("a").ok());
  Reopen();
  EXPECT_FALSE(catalog_->Get("a").ok());
  auto again = CreateOk("a");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->doc_count(), 0u);
  EXPECT_FALSE(again->Get("1")->has_value());
}

}  // namespace
}  // namespace sluice::index
