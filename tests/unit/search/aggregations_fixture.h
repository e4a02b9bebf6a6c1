// The index the aggregation unit tests share: five documents with numbers
// 1, 51, 101, 151 (n, d), keywords, dates over January-April 2024, booleans,
// and one document with no aggregatable value.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/test_store.h"
#include "search/aggregations/aggregation_set.h"
#include "search/search_request.h"

namespace sluice::search {

class AggregationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("");
    ASSERT_TRUE(settings.ok());
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"n":{"type":"integer"},"d":{"type":"double"},"tag":{"type":"keyword"},
            "ts":{"type":"date"},"ok":{"type":"boolean"},"body":{"type":"text"}}})",
        false);
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    auto i = index::Index::Create(store_.get(), "a", *settings, *mapping, {});
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    std::vector<index::WriteOp> ops;
    const char* docs[] = {
        R"({"n":1,"d":1.0,"tag":["x","y"],"ts":"2024-01-31T23:30:00Z","ok":true})",
        R"({"n":51,"d":51.0,"tag":"x","ts":"2024-02-01T00:30:00Z","ok":false})",
        R"({"n":101,"d":101.0,"tag":"y","ts":"2024-02-15T12:00:00Z","ok":true})",
        R"({"n":151,"d":151.0,"tag":"z","ts":"2024-04-01T00:00:00Z"})", R"({"body":"no values"})"};
    int id = 0;
    for (const char* src : docs) {
      index::WriteOp op;
      op.id = std::to_string(id++);
      op.source = src;
      ops.push_back(std::move(op));
    }
    for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  }

  util::Result<SearchResponse> Run(std::string_view body, bool typed_keys = false) {
    auto request = ParseSearchRequest(body);
    if (!request.ok()) return request.status();
    request->typed_keys = typed_keys;
    return ExecuteSearch(*request, {index_});
  }

  // The JSON of the aggregations object for an "aggs" value.
  std::string Aggs(const std::string& aggs, const std::string& query = "") {
    std::string body = R"({"size":0,)" + (query.empty() ? "" : R"("query":)" + query + ",") +
                       R"("aggs":)" + aggs + "}";
    auto r = Run(body);
    EXPECT_TRUE(r.ok()) << body << ": " << r.status().ToString();
    if (!r.ok() || !r->aggregations) return "";
    return *r->aggregations;
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

}  // namespace sluice::search
