#include "ingest/join_staging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/store.h"

namespace sluice::ingest {
namespace {

using Parts = std::vector<std::pair<size_t, Fields>>;

class JoinStagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-join-staging-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = storage::Store::Open({.path = dir_.string()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::pair<std::string, Parts>> All(const JoinStaging& staging,
                                                 std::optional<std::string> after = {}) {
    std::vector<std::pair<std::string, Parts>> out;
    util::Status s = staging.ForEachDocument(after, [&](const std::string& id, const Parts& parts) {
      out.emplace_back(id, parts);
      return util::Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(JoinStagingTest, GroupsFragmentsByIdInIdOrderWithSourcesInOrder) {
  JoinStaging staging(store_.get(), "t1");
  ASSERT_TRUE(staging.AddFragment("b", 1, {{"q", "\"question b\""}}).ok());
  ASSERT_TRUE(staging.AddFragment("a", 0, {{"v", "[1,2]"}}).ok());
  ASSERT_TRUE(staging.AddFragment("b", 0, {{"v", "[3,4]"}, {"n", "5"}}).ok());
  ASSERT_TRUE(staging.AddFragment("ab", 2, {{"m", "null"}}).ok());
  ASSERT_TRUE(staging.Flush().ok());
  auto docs = All(staging);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].first, "a");
  EXPECT_EQ(docs[1].first, "ab") << "a prefix id is its own document";
  EXPECT_EQ(docs[2].first, "b");
  ASSERT_EQ(docs[2].second.size(), 2u);
  EXPECT_EQ(docs[2].second[0].first, 0u);
  EXPECT_EQ(docs[2].second[0].second, (Fields{{"v", "[3,4]"}, {"n", "5"}}));
  EXPECT_EQ(docs[2].second[1].first, 1u);
  EXPECT_EQ(docs[1].second[0].first, 2u);
}

TEST_F(JoinStagingTest, ValuesWithBinaryAndEmptyContentRoundTrip) {
  JoinStaging staging(store_.get(), "t");
  Fields fields{{"", ""}, {"x", std::string("a\0b", 3)}, {"é", "\"☃\""}};
  ASSERT_TRUE(staging.AddFragment("id with spaces/and:colons", 3, fields).ok());
  ASSERT_TRUE(staging.Flush().ok());
  auto docs = All(staging);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].first, "id with spaces/and:colons");
  EXPECT_EQ(docs[0].second[0].first, 3u);
  EXPECT_EQ(docs[0].second[0].second, fields);
}

TEST_F(JoinStagingTest, IdsWithNulAreRejected) {
  JoinStaging staging(store_.get(), "t");
  EXPECT_FALSE(staging.AddFragment(std::string("a\0b", 3), 0, {}).ok());
}

TEST_F(JoinStagingTest, ForEachDocumentResumesAfterAnId) {
  JoinStaging staging(store_.get(), "t");
  for (const char* id : {"k1", "k2", "k3", "k4"}) {
    ASSERT_TRUE(staging.AddFragment(id, 0, {{"f", "1"}}).ok());
  }
  ASSERT_TRUE(staging.Flush().ok());
  auto rest = All(staging, std::string("k2"));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].first, "k3");
  EXPECT_EQ(rest[1].first, "k4");
}

TEST_F(JoinStagingTest, AVisitErrorStopsTheScanAndIsReturned) {
  JoinStaging staging(store_.get(), "t");
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(staging.AddFragment(id, 0, {}).ok());
  ASSERT_TRUE(staging.Flush().ok());
  int visits = 0;
  util::Status s = staging.ForEachDocument({}, [&](const std::string&, const Parts&) {
    return ++visits == 2 ? util::Cancelled("stop") : util::Status::Ok();
  });
  EXPECT_EQ(s.code(), util::Code::kCancelled);
  EXPECT_EQ(visits, 2);
}

TEST_F(JoinStagingTest, PositionsMapToTheAnchorSourcesIds) {
  JoinStaging staging(store_.get(), "t", /*flush_rows=*/1000);
  ASSERT_TRUE(staging.AddPosition(1, 0, "first").ok());
  ASSERT_TRUE(staging.AddPosition(1, 256, "later").ok());
  // IdAtPosition sees rows not yet flushed.
  EXPECT_EQ(staging.IdAtPosition(1, 0).value(), std::optional<std::string>("first"));
  EXPECT_EQ(staging.IdAtPosition(1, 256).value(), std::optional<std::string>("later"));
  EXPECT_EQ(staging.IdAtPosition(1, 1).value(), std::nullopt);
  // Each anchor source has its own positions.
  EXPECT_EQ(staging.IdAtPosition(0, 0).value(), std::nullopt);
  EXPECT_TRUE(All(staging).empty()) << "positions are not documents";
}

TEST_F(JoinStagingTest, StagedRowsSurviveReopenOnceFlushedAndBatchesFlushThemselves) {
  {
    JoinStaging staging(store_.get(), "t", /*flush_rows=*/2);
    ASSERT_TRUE(staging.AddFragment("a", 0, {{"f", "1"}}).ok());
    ASSERT_TRUE(staging.AddFragment("b", 0, {{"f", "2"}}).ok());  // reaches flush_rows
    ASSERT_TRUE(staging.AddFragment("c", 0, {{"f", "3"}}).ok());  // pending, dropped
  }
  store_.reset();
  auto store = storage::Store::Open({.path = dir_.string()});
  ASSERT_TRUE(store.ok());
  store_ = std::move(store).value();
  JoinStaging staging(store_.get(), "t");
  auto docs = All(staging);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].first, "b");
}

TEST_F(JoinStagingTest, TasksAreIsolatedAndDropRemovesOnlyItsOwnRows) {
  JoinStaging one(store_.get(), "task1");
  JoinStaging other(store_.get(), "task10");  // its prefix extends task1's name
  ASSERT_TRUE(one.AddFragment("x", 0, {{"f", "1"}}).ok());
  ASSERT_TRUE(one.AddPosition(0, 0, "x").ok());
  ASSERT_TRUE(other.AddFragment("y", 0, {{"f", "2"}}).ok());
  ASSERT_TRUE(one.Flush().ok());
  ASSERT_TRUE(other.Flush().ok());
  ASSERT_EQ(All(one).size(), 1u);
  ASSERT_EQ(All(other).size(), 1u);
  ASSERT_TRUE(one.Drop().ok());
  EXPECT_TRUE(All(one).empty());
  EXPECT_EQ(one.IdAtPosition(0, 0).value(), std::nullopt);
  auto left = All(other);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].first, "y");
  EXPECT_EQ(JoinStaging::TaskPrefix("task1"), "j/task1/");
}

}  // namespace
}  // namespace sluice::ingest
