// Scroll contexts: a consistent view while writes go on, every document
// exactly once, the open-context limit, expiry and clearing.
#include "search/search_context_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "index/test_store.h"

namespace sluice::search {
namespace {

class SearchContextStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("");
    ASSERT_TRUE(settings.ok());
    auto i = index::Index::Create(store_.get(), "s", *settings, index::Mapping(), {});
    ASSERT_TRUE(i.ok());
    index_ = *i;
    for (int d = 0; d < 10; ++d) Put(std::to_string(d), R"({"n":)" + std::to_string(d) + "}");
  }

  void Put(const std::string& id, const std::string& source) {
    index::WriteOp op;
    op.id = id;
    op.source = source;
    std::vector<index::WriteOp> ops;
    ops.push_back(std::move(op));
    for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  }
  void Delete(const std::string& id) {
    index::WriteOp op;
    op.type = index::OpType::kDelete;
    op.id = id;
    std::vector<index::WriteOp> ops;
    ops.push_back(std::move(op));
    for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  }

  SearchRequest Request(std::string_view body) {
    auto r = ParseSearchRequest(body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(SearchContextStoreTest, PagesSeeTheIndexAsItWasWhenOpened) {
  SearchContextStore contexts;
  auto first = contexts.Open(Request(R"({"size":3,"sort":["n"]})"), {index_}, 60000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->response.total, 10u);
  std::vector<std::string> ids;
  std::vector<std::string> sources;
  for (const auto& h : first->response.hits) ids.push_back(h.id);
  // Writes after the scroll opened: a new doc, an update, a delete.
  Put("new", R"({"n":-1})");
  Put("5", R"({"n":5,"changed":true})");
  Delete("8");
  for (;;) {
    auto page = contexts.Next(first->scroll_id, std::nullopt);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    if (page->response.hits.empty()) break;
    EXPECT_EQ(page->response.total, 10u);
    for (const auto& h : page->response.hits) {
      ids.push_back(h.id);
      sources.push_back(*h.source);
    }
  }
  EXPECT_THAT(ids, ::testing::ElementsAre("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
  EXPECT_THAT(sources, ::testing::Contains(R"({"n":5})"));  // the old version
  EXPECT_THAT(sources, ::testing::Contains(R"({"n":8})"));  // deleted since
}

TEST_F(SearchContextStoreTest, OpenContextsAreBounded) {
  SearchContextStore contexts({.max_open_scroll_context = 2});
  ASSERT_TRUE(contexts.Open(Request(R"({"size":1})"), {index_}, 60000).ok());
  auto second = contexts.Open(Request(R"({"size":1})"), {index_}, 60000);
  ASSERT_TRUE(second.ok());
  auto third = contexts.Open(Request(R"({"size":1})"), {index_}, 60000);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().type(), "rejected_execution_exception");
  EXPECT_EQ(third.status().code(), util::Code::kTooManyRequests);
  EXPECT_EQ(contexts.Clear({second->scroll_id}), 1u);
  EXPECT_TRUE(contexts.Open(Request(R"({"size":1})"), {index_}, 60000).ok());
  EXPECT_EQ(contexts.ClearAll(), 2u);
  EXPECT_EQ(contexts.open_count(), 0u);
}

TEST_F(SearchContextStoreTest, ExpiredAndUnknownContextsAreMissing) {
  SearchContextStore contexts;
  auto page = contexts.Open(Request(R"({"size":1})"), {index_}, 0);  // expires at once
  ASSERT_TRUE(page.ok());
  auto next = contexts.Next(page->scroll_id, std::nullopt);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), util::Code::kNotFound);
  ASSERT_NE(next.status().cause(), nullptr);
  EXPECT_EQ(next.status().cause()->type(), "search_context_missing_exception");
  EXPECT_EQ(contexts.open_count(), 0u);
  EXPECT_FALSE(contexts.Next("nope", std::nullopt).ok());
}

TEST_F(SearchContextStoreTest, RequestsAScrollRefuses) {
  SearchContextStore contexts;
  EXPECT_EQ(contexts.Open(Request(R"({"from":1})"), {index_}, 1000).status().reason(),
            "Validation Failed: 1: using [from] is not allowed in a scroll context;");
  EXPECT_EQ(contexts.Open(Request(R"({"sort":["n"],"search_after":[1]})"), {index_}, 1000)
                .status()
                .reason(),
            "`search_after` cannot be used in a scroll context.");
  EXPECT_FALSE(contexts.Open(Request(R"({"size":1})"), {index_}, 25LL * 3600 * 1000).ok());
}

TEST(KeepAliveTest, ParsesOpenSearchTimeUnits) {
  EXPECT_EQ(*ParseKeepAlive("1m", "scroll"), 60000);
  EXPECT_EQ(*ParseKeepAlive("30s", "scroll"), 30000);
  EXPECT_EQ(*ParseKeepAlive("250ms", "scroll"), 250);
  EXPECT_EQ(*ParseKeepAlive("2h", "scroll"), 7200000);
  EXPECT_FALSE(ParseKeepAlive("1x", "scroll").ok());
  EXPECT_FALSE(ParseKeepAlive("m", "scroll").ok());
}

}  // namespace
}  // namespace sluice::search
