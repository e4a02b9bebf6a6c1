// Sorting by field, search_after and the hit's sort values, through
// ParseSearchRequest + ExecuteSearch on a small index.
#include "search/sort.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/test_store.h"
#include "search/search_request.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;

class SortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("");
    ASSERT_TRUE(settings.ok());
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"n":{"type":"long"},"f":{"type":"double"},"tag":{"type":"keyword"},
            "ts":{"type":"date"},"ok":{"type":"boolean"},"body":{"type":"text"}}})",
        false);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "s", *settings, *mapping, {});
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    // d0..d4; d3 has no n/tag, d4 has arrays.
    Write({{"d0", R"({"n":5,"f":0.5,"tag":"b","ts":"2024-01-02T00:00:00Z","ok":true})"},
           {"d1", R"({"n":1,"f":2.5,"tag":"c","ts":"2024-01-01T00:00:00Z","ok":false})"},
           {"d2", R"({"n":3,"f":1.5,"tag":"a","ts":"2024-01-03T00:00:00Z"})"},
           {"d3", R"({"f":9.0,"body":"text only"})"},
           {"d4", R"({"n":[10,-4,2],"tag":["z","aa"]})"}});
  }

  void Write(std::vector<std::pair<std::string, std::string>> docs) {
    std::vector<index::WriteOp> ops;
    for (auto& [id, src] : docs) {
      index::WriteOp op;
      op.id = id;
      op.source = src;
      ops.push_back(std::move(op));
    }
    for (const auto& r : index_->Write(std::move(ops))) {
      ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    }
  }

  util::Result<SearchResponse> Run(std::string_view body) {
    auto request = ParseSearchRequest(body);
    if (!request.ok()) return request.status();
    return ExecuteSearch(*request, {index_});
  }

  SearchResponse Ok(std::string_view body) {
    auto r = Run(body);
    EXPECT_TRUE(r.ok()) << body << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : SearchResponse();
  }

  static std::vector<std::string> Ids(const SearchResponse& r) {
    std::vector<std::string> ids;
    for (const auto& h : r.hits) ids.push_back(h.id);
    return ids;
  }
  static std::vector<std::string> Sorts(const SearchResponse& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.sort.value_or("<none>"));
    return out;
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(SortTest, LongAscendingWithMissingLastAndMinOfArrays) {
  SearchResponse r = Ok(R"({"sort":[{"n":"asc"}],"_source":false})");
  EXPECT_THAT(Ids(r), ElementsAre("d4", "d1", "d2", "d0", "d3"));
  EXPECT_THAT(Sorts(r), ElementsAre("[-4]", "[1]", "[3]", "[5]", "[9223372036854775807]"));
}

TEST_F(SortTest, DescendingUsesMaxOfArraysAndMissingStaysLast) {
  SearchResponse r = Ok(R"({"sort":[{"n":{"order":"desc"}}]})");
  EXPECT_THAT(Ids(r), ElementsAre("d4", "d0", "d2", "d1", "d3"));
  EXPECT_THAT(Sorts(r), ElementsAre("[10]", "[5]", "[3]", "[1]", "[-9223372036854775808]"));
}

TEST_F(SortTest, ModesAndMissingValues) {
  EXPECT_THAT(
      Sorts(Ok(R"({"sort":[{"n":{"mode":"sum"}}],"size":1,"query":{"ids":{"values":["d4"]}}})")),
      ElementsAre("[8]"));
  EXPECT_THAT(Sorts(Ok(R"({"sort":[{"n":{"mode":"avg"}}],"query":{"ids":{"values":["d4"]}}})")),
              ElementsAre("[3]"));  // 8/3 rounded as a long
  EXPECT_THAT(Sorts(Ok(R"({"sort":[{"n":{"mode":"median"}}],"query":{"ids":{"values":["d4"]}}})")),
              ElementsAre("[2]"));
  SearchResponse first = Ok(R"({"sort":[{"n":{"missing":"_first"}}]})");
  EXPECT_EQ(Ids(first).front(), "d3");
  SearchResponse value = Ok(R"({"sort":[{"n":{"missing":2}}]})");
  EXPECT_THAT(Ids(value), ElementsAre("d4", "d1", "d3", "d2", "d0"));
  EXPECT_EQ(Sorts(value)[2], "[2]");
}

TEST_F(SortTest, KeywordDateBooleanDoubleAndIdValues) {
  SearchResponse tags = Ok(R"({"sort":["tag"]})");
  EXPECT_THAT(Ids(tags), ElementsAre("d2", "d4", "d0", "d1", "d3"));
  EXPECT_THAT(Sorts(tags), ElementsAre(R"(["a"])", R"(["aa"])", R"(["b"])", R"(["c"])", "[null]"));
  SearchResponse desc = Ok(R"({"sort":[{"tag":"desc"}]})");
  EXPECT_THAT(Ids(desc), ElementsAre("d4", "d1", "d0", "d2", "d3"));  // z, c, b, a, missing
  EXPECT_THAT(Sorts(Ok(R"({"sort":[{"ts":"desc"}],"size":1})")), ElementsAre("[1704240000000]"));
  EXPECT_THAT(Sorts(Ok(R"({"sort":[{"ok":"desc"}],"size":2})")), ElementsAre("[1]", "[0]"));
  EXPECT_THAT(Sorts(Ok(R"({"sort":[{"f":"asc"}],"size":2})")), ElementsAre("[0.5]", "[1.5]"));
  EXPECT_THAT(Ids(Ok(R"({"sort":[{"_id":"desc"}]})")), ElementsAre("d4", "d3", "d2", "d1", "d0"));
}

TEST_F(SortTest, ScoresAreNullUnlessTrackedOrSortedOn) {
  SearchResponse by_field = Ok(R"({"sort":["n"]})");
  EXPECT_FALSE(by_field.max_score.has_value());
  EXPECT_FALSE(by_field.hits[0].has_score);
  SearchResponse tracked = Ok(R"({"sort":["n"],"track_scores":true})");
  ASSERT_TRUE(tracked.max_score.has_value());
  EXPECT_TRUE(tracked.hits[0].has_score);
  SearchResponse score_first = Ok(R"({"sort":["_score","_doc"]})");
  EXPECT_TRUE(score_first.max_score.has_value());
  EXPECT_THAT(Sorts(score_first)[0], "[1.0,0]");
  // A lone _score sort is relevance order: no sort values.
  EXPECT_FALSE(Ok(R"({"sort":["_score"]})").hits[0].sort.has_value());
}

TEST_F(SortTest, SearchAfterPagesThroughEveryDocOnce) {
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    std::string body = R"({"size":2,"sort":[{"tag":"asc"},{"_id":"asc"}])" +
                       (after.empty() ? std::string() : ",\"search_after\":" + after) + "}";
    SearchResponse r = Ok(body);
    if (r.hits.empty()) break;
    for (const auto& h : r.hits) seen.push_back(h.id);
    after = *r.hits.back().sort;
  }
  EXPECT_THAT(seen, ElementsAre("d2", "d4", "d0", "d1", "d3"));
}

TEST_F(SortTest, SearchAfterAcceptsAFormattedDate) {
  SearchResponse r = Ok(R"({"sort":[{"ts":"desc"}],"search_after":["2024-01-02T00:00:00Z"]})");
  EXPECT_THAT(Ids(r), ElementsAre("d1", "d3", "d4"));
}

TEST_F(SortTest, Errors) {
  auto unmapped = Run(R"({"sort":["nope"]})");
  ASSERT_FALSE(unmapped.ok());
  EXPECT_EQ(unmapped.status().type(), "search_phase_execution_exception");
  ASSERT_NE(unmapped.status().cause(), nullptr);
  EXPECT_EQ(unmapped.status().cause()->reason(), "No mapping found for [nope] in order to sort on");
  EXPECT_TRUE(Run(R"({"sort":[{"nope":{"unmapped_type":"long"}}]})").ok());
  auto text = Run(R"({"sort":["body"]})");
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().cause()->reason(), ::testing::HasSubstr("Text fields are not"));
  auto avg_keyword = Run(R"({"sort":[{"tag":{"mode":"avg"}}]})");
  ASSERT_FALSE(avg_keyword.ok());
  EXPECT_EQ(avg_keyword.status().cause()->reason(),
            "we only support AVG, MEDIAN and SUM on number based fields");
  auto count = Run(R"({"sort":["n","tag"],"search_after":[1]})");
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().reason(), "search_after has 1 value(s) but sort has 2.");
  auto from = Run(R"({"from":1,"sort":["n"],"search_after":[1]})");
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.status().reason(),
            "`from` parameter must be set to 0 when `search_after` is used.");
  EXPECT_EQ(ParseSearchRequest(R"({"sort":[{"n":"up"}]})").status().reason(),
            "Unknown SortOrder [up]");
}

}  // namespace
}  // namespace sluice::search
