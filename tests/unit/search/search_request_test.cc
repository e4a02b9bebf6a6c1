#include "search/search_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/test_store.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;

SearchRequest ParseOk(std::string_view body, bool count_only = false) {
  auto r = ParseSearchRequest(body, count_only);
  EXPECT_TRUE(r.ok()) << body << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : SearchRequest();
}

class SearchRequestTest : public ::testing::Test {
 protected:
  void SetUp() override { a_ = Create("a", 5); }

  std::shared_ptr<index::Index> Create(const std::string& name, int docs,
                                       std::string_view settings = "") {
    auto s = index::IndexSettings::Parse(settings);
    EXPECT_TRUE(s.ok());
    auto i = index::Index::Create(store_.get(), name, *s, index::Mapping(), {});
    EXPECT_TRUE(i.ok()) << i.status().ToString();
    std::vector<index::WriteOp> ops(docs);
    for (int d = 0; d < docs; ++d) {
      ops[d].id = name + std::to_string(d);
      ops[d].source = R"({"n":)" + std::to_string(d) + R"(,"tag":"t)" + std::to_string(d % 2) +
                      R"(","o":{"x":1,"y":2}})";
    }
    for (const auto& r : (*i)->Write(std::move(ops))) EXPECT_TRUE(r.status.ok());
    return *i;
  }

  SearchResponse Search(std::string_view body,
                        std::vector<std::shared_ptr<index::Index>> indices = {}) {
    if (indices.empty()) indices = {a_};
    SearchRequest request = ParseOk(body);
    auto r = ExecuteSearch(request, indices);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : SearchResponse();
  }

  static std::vector<std::string> Ids(const SearchResponse& r) {
    std::vector<std::string> ids;
    for (const auto& h : r.hits) ids.push_back(h.id);
    return ids;
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> a_;
};

TEST_F(SearchRequestTest, DefaultsAreOpenSearchDefaults) {
  SearchRequest r = ParseOk("");
  EXPECT_EQ(r.from, 0);
  EXPECT_EQ(r.size, 10);
  EXPECT_EQ(r.track_total_hits, 10000);
  EXPECT_TRUE(r.source.IsIdentity());
  EXPECT_FALSE(r.version);
}

TEST_F(SearchRequestTest, UnknownTopLevelKeysAreParsingExceptions) {
  struct Case {
    const char* body;
    const char* reason;
  };
  for (const Case& c : {Case{R"({"foo":{}})", "Unknown key for a START_OBJECT in [foo]."},
                        Case{R"({"foo":[]})", "Unknown key for a START_ARRAY in [foo]."},
                        Case{R"({"foo":"x"})", "Unknown key for a VALUE_STRING in [foo]."},
                        Case{R"({"foo":1})", "Unknown key for a VALUE_NUMBER in [foo]."},
                        Case{R"({"foo":true})", "Unknown key for a VALUE_BOOLEAN in [foo]."},
                        Case{R"({"foo":null})", "Unknown key for a VALUE_NULL in [foo]."}}) {
    auto r = ParseSearchRequest(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().type(), "parsing_exception") << c.body;
    EXPECT_EQ(r.status().reason(), c.reason) << c.body;
  }
}

TEST_F(SearchRequestTest, NegativeSizeAndFromAreRejected) {
  auto size = ParseSearchRequest(R"({"size":-1})");
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().reason(), "[size] parameter cannot be negative, found [-1]");
  EXPECT_FALSE(ParseSearchRequest(R"({"from":-2})").ok());
}

TEST_F(SearchRequestTest, CountAcceptsOnlyAQuery) {
  ParseOk(R"({"query":{"match_all":{}}})", true);
  EXPECT_FALSE(ParseSearchRequest(R"({"size":1})", true).ok());
}

TEST_F(SearchRequestTest, SourceSpellings) {
  EXPECT_FALSE(ParseOk(R"({"_source":false})").source.fetch);
  EXPECT_THAT(ParseOk(R"({"_source":"n"})").source.includes, ElementsAre("n"));
  EXPECT_THAT(ParseOk(R"({"_source":["n","o.*"]})").source.includes, ElementsAre("n", "o.*"));
  SearchRequest obj = ParseOk(R"({"_source":{"includes":["a"],"exclude":"b"}})");
  EXPECT_THAT(obj.source.includes, ElementsAre("a"));
  EXPECT_THAT(obj.source.excludes, ElementsAre("b"));
  EXPECT_FALSE(ParseSourceParam("false").fetch);
  EXPECT_THAT(ParseSourceParam("a,b.*").includes, ElementsAre("a", "b.*"));
  EXPECT_TRUE(ParseSourceParam("true").IsIdentity());
}

TEST_F(SearchRequestTest, FromAndSizePageInInsertionOrderOnTies) {
  SearchResponse all = Search("");
  EXPECT_EQ(all.total, 5u);
  EXPECT_FALSE(all.total_is_lower_bound);
  EXPECT_TRUE(all.total_tracked);
  EXPECT_EQ(all.max_score, 1.0f);
  EXPECT_THAT(Ids(all), ElementsAre("a0", "a1", "a2", "a3", "a4"));
  SearchResponse page = Search(R"({"from":1,"size":2})");
  EXPECT_THAT(Ids(page), ElementsAre("a1", "a2"));
  EXPECT_EQ(page.total, 5u);
  EXPECT_TRUE(Search(R"({"from":10})").hits.empty());
  SearchResponse none = Search(R"({"size":0})");
  EXPECT_TRUE(none.hits.empty());
  EXPECT_EQ(none.total, 5u);
}

TEST_F(SearchRequestTest, HitsAreOrderedByScore) {
  SearchResponse r = Search(
      R"({"query":{"bool":{"should":[{"term":{"n":3}},{"term":{"tag.keyword":"t1"}},{"match_all":{}}]}}})");
  EXPECT_THAT(Ids(r), ElementsAre("a3", "a1", "a0", "a2", "a4"));
  EXPECT_EQ(r.max_score, 3.0f);
  EXPECT_EQ(r.hits[0].score, 3.0f);
}

TEST_F(SearchRequestTest, TotalIsALowerBoundOverTrackTotalHits) {
  SearchResponse r = Search(R"({"track_total_hits":3,"size":1})");
  EXPECT_EQ(r.total, 3u);
  EXPECT_TRUE(r.total_is_lower_bound);
  EXPECT_EQ(r.hits.size(), 1u);
  SearchResponse exact = Search(R"({"track_total_hits":5})");
  EXPECT_EQ(exact.total, 5u);
  EXPECT_FALSE(exact.total_is_lower_bound);
  SearchResponse always = Search(R"({"track_total_hits":true})");
  EXPECT_EQ(always.total, 5u);
  EXPECT_FALSE(always.total_is_lower_bound);
  EXPECT_FALSE(Search(R"({"track_total_hits":false})").total_tracked);
}

TEST_F(SearchRequestTest, ResultWindowTooLarge) {
  SearchRequest request = ParseOk(R"({"from":9995,"size":10})");
  auto r = ExecuteSearch(request, {a_});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "search_phase_execution_exception");
  EXPECT_EQ(r.status().reason(), "all shards failed");
  EXPECT_EQ(r.status().code(), util::Code::kInvalidArgument);
  ASSERT_NE(r.status().cause(), nullptr);
  EXPECT_EQ(r.status().cause()->type(), "illegal_argument_exception");
  EXPECT_EQ(r.status().cause()->reason(),
            "Result window is too large, from + size must be less than or equal to: [10000] but "
            "was [10005]. See the scroll api for a more efficient way to request large data sets. "
            "This limit can be set by changing the [index.max_result_window] index level setting.");
  EXPECT_TRUE(ExecuteSearch(ParseOk(R"({"from":9990,"size":10})"), {a_}).ok());
}

TEST_F(SearchRequestTest, ResultWindowFollowsTheIndexSetting) {
  auto small = Create("small", 1, R"({"index.max_result_window":5})");
  EXPECT_FALSE(ExecuteSearch(ParseOk(R"({"size":6})"), {small}).ok());
  EXPECT_TRUE(ExecuteSearch(ParseOk(R"({"size":5})"), {small}).ok());
}

TEST_F(SearchRequestTest, SourceFilterVersionAndSeqNo) {
  SearchResponse r = Search(
      R"({"query":{"ids":{"values":["a1"]}},"_source":{"includes":["o"],"excludes":["o.y"]}})");
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].index, "a");
  EXPECT_EQ(r.hits[0].source, R"({"o":{"x":1}})");
  EXPECT_EQ(r.hits[0].version, 1);
  EXPECT_EQ(r.hits[0].seq_no, 1);
  SearchResponse no_source = Search(R"({"_source":false,"size":1})");
  EXPECT_FALSE(no_source.hits[0].source.has_value());
}

// Hits without _source are answered from the doc table, not the store: the
// same ids, versions and seq_nos as with _source, after updates and deletes.
TEST_F(SearchRequestTest, HitsWithoutSourceKeepVersionsAfterUpdatesAndDeletes) {
  std::vector<index::WriteOp> ops(2);
  ops[0].id = "a1";
  ops[0].source = R"({"n":1,"tag":"t1","o":{"x":3}})";
  ops[1].type = index::OpType::kDelete;
  ops[1].id = "a3";
  for (const auto& r : a_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  SearchResponse with = Search(R"({"size":10})");
  SearchResponse without = Search(R"({"size":10,"_source":false})");
  EXPECT_THAT(Ids(without), ElementsAre("a0", "a1", "a2", "a4"));
  ASSERT_EQ(Ids(with), Ids(without));
  for (size_t i = 0; i < with.hits.size(); ++i) {
    EXPECT_EQ(with.hits[i].version, without.hits[i].version);
    EXPECT_EQ(with.hits[i].seq_no, without.hits[i].seq_no);
    EXPECT_FALSE(without.hits[i].source.has_value());
  }
  EXPECT_EQ(without.hits[1].version, 2);
  EXPECT_EQ(without.hits[1].seq_no, 5);
}

TEST_F(SearchRequestTest, PostFilterAndMinScore) {
  EXPECT_THAT(Ids(Search(R"({"post_filter":{"term":{"tag.keyword":"t0"}}})")),
              ElementsAre("a0", "a2", "a4"));
  SearchResponse r = Search(
      R"({"min_score":2,"query":{"bool":{"should":[{"term":{"n":3}},{"term":{"tag.keyword":"t1"}}]}}})");
  EXPECT_THAT(Ids(r), ElementsAre("a3"));
  EXPECT_EQ(r.total, 1u);
}

TEST_F(SearchRequestTest, MergesSeveralIndicesInIndexOrderOnTies) {
  auto b = Create("b", 2);
  SearchResponse r = Search("", {b, a_});
  EXPECT_EQ(r.total, 7u);
  EXPECT_THAT(Ids(r), ElementsAre("b0", "b1", "a0", "a1", "a2", "a3", "a4"));
  EXPECT_EQ(r.hits[0].index, "b");
  auto count = ExecuteCount(ParseOk(R"({"query":{"term":{"n":1}}})", true), {a_, b});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2u);
}

TEST_F(SearchRequestTest, KnnKBoundsTotalAndSizeBoundsHits) {
  auto s = index::IndexSettings::Parse(R"({"index.knn":true})");
  auto m = index::Mapping::Parse(
      R"({"properties":{"v":{"type":"knn_vector","dimension":2},"tag":{"type":"keyword"}}})", true);
  auto v = index::Index::Create(store_.get(), "v", *s, *m, testutil::OneThread());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  std::vector<index::WriteOp> ops(5);
  for (int d = 0; d < 5; ++d) {
    ops[d].id = "v" + std::to_string(d);
    ops[d].source =
        R"({"v":[)" + std::to_string(d) + R"(,0],"tag":"t)" + std::to_string(d % 2) + R"("})";
  }
  for (const auto& r : (*v)->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());

  SearchResponse r = Search(R"({"size":2,"query":{"knn":{"v":{"vector":[0,0],"k":3}}}})", {*v});
  EXPECT_EQ(r.total, 3u);
  EXPECT_FALSE(r.total_is_lower_bound);
  EXPECT_THAT(Ids(r), ElementsAre("v0", "v1"));
  EXPECT_EQ(r.max_score, 1.0f);
  EXPECT_FLOAT_EQ(r.hits[1].score, 0.5f);
  EXPECT_THAT(Ids(Search(R"({"from":2,"query":{"knn":{"v":{"vector":[0,0],"k":3}}}})", {*v})),
              ElementsAre("v2"));
  // A bool filter beside knn filters the k neighbours afterwards ...
  EXPECT_THAT(Ids(Search(R"({"query":{"bool":{"must":{"knn":{"v":{"vector":[0,0],"k":3}}},)"
                         R"("filter":{"term":{"tag":"t1"}}}}})",
                         {*v})),
              ElementsAre("v1"));
  EXPECT_THAT(Ids(Search(R"({"query":{"knn":{"v":{"vector":[0,0],"k":3}}},)"
                         R"("post_filter":{"term":{"tag":"t1"}}})",
                         {*v})),
              ElementsAre("v1"));
  // ... while the knn filter picks k neighbours among the matching documents.
  EXPECT_THAT(
      Ids(Search(R"({"query":{"knn":{"v":{"vector":[0,0],"k":3,"filter":{"term":{"tag":"t1"}}}}}})",
                 {*v})),
      ElementsAre("v1", "v3"));
}

TEST_F(SearchRequestTest, NoHitsHasNoMaxScore) {
  SearchResponse r = Search(R"({"query":{"match_none":{}}})");
  EXPECT_EQ(r.total, 0u);
  EXPECT_FALSE(r.max_score.has_value());
  EXPECT_TRUE(r.hits.empty());
}

TEST_F(SearchRequestTest, TerminateAfterStopsCollectingAndSaysSo) {
  SearchResponse r = Search(R"({"terminate_after":2})");
  EXPECT_EQ(r.total, 2u);
  EXPECT_THAT(Ids(r), ElementsAre("a0", "a1"));
  ASSERT_TRUE(r.terminated_early.has_value());
  EXPECT_TRUE(*r.terminated_early);
  SearchResponse all = Search(R"({"terminate_after":50})");
  EXPECT_EQ(all.total, 5u);
  EXPECT_FALSE(*all.terminated_early);
  EXPECT_FALSE(Search("{}").terminated_early.has_value());
  EXPECT_FALSE(ParseSearchRequest(R"({"terminate_after":-1})").ok());
}

TEST_F(SearchRequestTest, SizeZeroCountsWithoutMaxScore) {
  SearchResponse r = Search(R"({"size":0})");
  EXPECT_EQ(r.total, 5u);
  EXPECT_TRUE(r.hits.empty());
  EXPECT_FALSE(r.max_score.has_value());
}

}  // namespace
}  // namespace sluice::search

namespace sluice::search {
namespace {

// Docs a0..a4: n = 0..4, tag t0 (even n) or t1 (odd n); tag is text (dynamic
// mapping) with a tag.keyword sub-field.
TEST_F(SearchRequestTest, CollapseKeepsTheBestHitOfEachValue) {
  SearchResponse r = Search(R"({"collapse":{"field":"tag.keyword"},"sort":[{"n":"desc"}]})");
  EXPECT_EQ(r.total, 5u);  // every match counts
  EXPECT_THAT(Ids(r), ElementsAre("a4", "a3"));
  ASSERT_TRUE(r.hits[0].fields.has_value());
  EXPECT_EQ(*r.hits[0].fields, R"({"tag.keyword":["t0"]})");
  EXPECT_THAT(Ids(Search(R"({"from":1,"collapse":{"field":"tag.keyword"},"sort":[{"n":"desc"}]})")),
              ElementsAre("a3"));
  EXPECT_THAT(Ids(Search(R"({"collapse":{"field":"n","max_concurrent_group_searches":4},
                            "sort":["n"],"size":3})")),
              ElementsAre("a0", "a1", "a2"));
}

TEST_F(SearchRequestTest, CollapseRefusals) {
  auto status = [](std::string_view body) { return ParseSearchRequest(body).status().reason(); };
  EXPECT_EQ(status(R"({"collapse":{"field":"tag.keyword"},
                       "rescore":{"window_size":2,"query":{"rescore_query":{"match_all":{}}}}})"),
            "cannot use `collapse` in conjunction with `rescore`");
  EXPECT_FALSE(ParseSearchRequest(R"({"collapse":{"field":"tag","inner_hits":{}}})").ok());
  EXPECT_FALSE(ParseSearchRequest(R"({"collapse":{}})").ok());
  SearchRequest unmapped = ParseOk(R"({"collapse":{"field":"nope"}})");
  EXPECT_FALSE(ExecuteSearch(unmapped, {a_}).ok());
  SearchRequest text = ParseOk(R"({"collapse":{"field":"tag"}})");
  EXPECT_EQ(ExecuteSearch(text, {a_}).status().cause()->reason(),
            "unknown type for collapse field `tag`, only keywords and numbers are accepted");
}

}  // namespace
}  // namespace sluice::search
