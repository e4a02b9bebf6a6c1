// Scroll contexts and points in time: a consistent view while writes go on,
// every document exactly once, the open-context limits, expiry and clearing.
#include "search/search_context_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

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

std::vector<std::string> Ids(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.id);
  return out;
}

TEST_F(SearchContextStoreTest, PitSearchesSeeTheIndexAsItWasWhenCreated) {
  SearchContextStore contexts;
  Put("t1", R"({"n":100,"body":"quick brown fox"})");
  auto pit = contexts.CreatePit({index_}, 60000);
  ASSERT_TRUE(pit.ok()) << pit.status().ToString();
  Put("new", R"({"n":-1,"body":"quick"})");
  Put("t1", R"({"n":-2,"body":"slow"})");
  Delete("3");
  auto views = contexts.PitIndices(pit->pit_id, std::nullopt);
  ASSERT_TRUE(views.ok()) << views.status().ToString();
  // Text (postings and statistics), doc values and _source as they were.
  auto text = ExecuteSearch(Request(R"({"query":{"match":{"body":"quick"}}})"), *views);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_THAT(Ids(*text), ::testing::ElementsAre("t1"));
  ASSERT_TRUE(text->hits[0].source.has_value());
  EXPECT_EQ(*text->hits[0].source, R"({"n":100,"body":"quick brown fox"})");
  auto sorted = ExecuteSearch(Request(R"({"size":3,"sort":[{"n":"desc"}]})"), *views);
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ(sorted->total, 11u);
  EXPECT_THAT(Ids(*sorted), ::testing::ElementsAre("t1", "9", "8"));
  auto three = ExecuteSearch(Request(R"({"query":{"ids":{"values":["3"]}}})"), *views);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->total, 1u);  // deleted after the PIT was created
  // The index itself moved on.
  auto now = ExecuteSearch(Request(R"({"query":{"match":{"body":"quick"}}})"), {index_});
  ASSERT_TRUE(now.ok());
  EXPECT_THAT(Ids(*now), ::testing::ElementsAre("new"));
}

// A writer adds doc i and sets "last" to i in one batch, again and again; a
// PIT created while it runs must hold exactly docs 0..k-1 and "last" = k-1 for
// some k, and keep showing that while the writer goes on.
TEST_F(SearchContextStoreTest, PitIsConsistentUnderConcurrentWrites) {
  SearchContextStore contexts;
  std::mutex mu;
  std::condition_variable cv;
  int written = 0;
  bool stop = false;
  std::thread writer([&] {
    for (int i = 0;; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop) return;
      }
      std::vector<index::WriteOp> ops(2);
      ops[0].id = "w" + std::to_string(i);
      ops[0].source = R"({"body":"written","n":)" + std::to_string(i) + "}";
      ops[1].id = "last";
      ops[1].source = R"({"n":)" + std::to_string(i) + "}";
      for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
      std::lock_guard<std::mutex> lock(mu);
      written = i + 1;
      cv.notify_all();
    }
  });
  auto wait_for = [&](int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return written >= n; });
    return written;
  };
  wait_for(20);
  auto pit = contexts.CreatePit({index_}, 60000);
  ASSERT_TRUE(pit.ok()) << pit.status().ToString();
  int after_create = wait_for(0);
  auto views = contexts.PitIndices(pit->pit_id, std::nullopt);
  ASSERT_TRUE(views.ok());
  auto check = [&]() -> uint64_t {
    auto docs = ExecuteSearch(
        Request(R"({"size":1000,"query":{"match":{"body":"written"}},"sort":["n"]})"), *views);
    EXPECT_TRUE(docs.ok());
    if (!docs.ok()) return 0;
    const uint64_t k = docs->total;
    for (uint64_t i = 0; i < docs->hits.size(); ++i) {
      EXPECT_EQ(docs->hits[i].id, "w" + std::to_string(i));
    }
    auto last = ExecuteSearch(Request(R"({"query":{"ids":{"values":["last"]}}})"), *views);
    EXPECT_TRUE(last.ok());
    if (last.ok() && last->hits.size() == 1) {
      EXPECT_EQ(*last->hits[0].source, R"({"n":)" + std::to_string(k - 1) + "}");
    }
    return k;
  };
  uint64_t k = check();
  EXPECT_GE(k, 20u);
  EXPECT_LE(k, static_cast<uint64_t>(after_create) + 1);
  wait_for(after_create + 20);  // the writer went on
  EXPECT_EQ(check(), k);
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  writer.join();
  EXPECT_EQ(check(), k);
}

TEST_F(SearchContextStoreTest, PitsAreBoundedListedAndDeleted) {
  SearchContextStore contexts({.max_open_pit_context = 2});
  auto a = contexts.CreatePit({index_}, 60000);
  auto b = contexts.CreatePit({index_}, 120000);
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = contexts.CreatePit({index_}, 60000);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), util::Code::kTooManyRequests);
  auto listed = contexts.ListPits();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_THAT(std::vector<int64_t>({listed[0].keep_alive_ms, listed[1].keep_alive_ms}),
              ::testing::UnorderedElementsAre(60000, 120000));
  auto deleted = contexts.DeletePits({a->pit_id, "nope"});
  EXPECT_THAT(deleted, ::testing::ElementsAre(std::pair(a->pit_id, true),
                                              std::pair(std::string("nope"), false)));
  EXPECT_THAT(contexts.DeleteAllPits(), ::testing::ElementsAre(b->pit_id));
  EXPECT_FALSE(contexts.CreatePit({index_}, 25LL * 3600 * 1000).ok());  // over max keep-alive
}

TEST_F(SearchContextStoreTest, ExpiredAndUnknownPitsAreMissing) {
  SearchContextStore contexts;
  auto pit = contexts.CreatePit({index_}, 0);  // expires at once
  ASSERT_TRUE(pit.ok());
  auto views = contexts.PitIndices(pit->pit_id, std::nullopt);
  ASSERT_FALSE(views.ok());
  EXPECT_EQ(views.status().code(), util::Code::kNotFound);
  EXPECT_FALSE(contexts.PitIndices("nope", std::nullopt).ok());
  // A search's keep-alive lengthens a PIT's, never shortens it.
  auto kept = contexts.CreatePit({index_}, 60000);
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(contexts.PitIndices(kept->pit_id, 5000).ok());
  EXPECT_EQ(contexts.ListPits()[0].keep_alive_ms, 60000);
  ASSERT_TRUE(contexts.PitIndices(kept->pit_id, 120000).ok());
  EXPECT_EQ(contexts.ListPits()[0].keep_alive_ms, 120000);
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
