// libFuzzer target: the query DSL — a `_search` / `_count` body parsed by
// search::ParseSearchRequest (which hands "query" to the query parser) and,
// when it parses, executed against a small index with every field type
// (keyword, text, numbers, date, boolean, knn_vector), deleted documents
// and dynamic fields. Invariants: no crash or sanitizer report; a refused
// body has a reason; hits never exceed `size`; totals never exceed the
// live documents.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_store.h"
#include "index/index.h"
#include "search/search_request.h"

namespace {

using sluice::fuzz::Check;
namespace index = sluice::index;

constexpr int kDocs = 40;

class Corpus {
 public:
  Corpus() {
    auto settings = index::IndexSettings::Parse(R"({"index.knn":true})");
    Check(settings.ok(), "settings");
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"tag":{"type":"keyword"},"body":{"type":"text"},"n":{"type":"long"},
            "f":{"type":"float"},"when":{"type":"date"},"ok":{"type":"boolean"},
            "v":{"type":"knn_vector","dimension":2,
                 "method":{"name":"hnsw","engine":"lucene","space_type":"l2"}}}})",
        true);
    Check(mapping.ok(), "mapping");
    index::IndexOptions options;
    options.vector_threads = 1;
    auto created = index::Index::Create(store_.get(), "q", *settings, *mapping, options);
    Check(created.ok(), "index");
    index_ = *created;
    std::vector<index::WriteOp> ops(kDocs);
    for (int d = 0; d < kDocs; ++d) {
      ops[d].id = std::to_string(d);
      ops[d].source = R"({"tag":"t)" + std::to_string(d % 4) + R"(","body":"the quick brown fox )" +
                      std::to_string(d % 3) + R"(","n":)" + std::to_string(d - 10) + R"(,"f":)" +
                      std::to_string(d * 0.5) + R"(,"when":"2024-01-)" +
                      std::to_string(10 + d % 18) + R"(","ok":)" + (d % 2 ? "true" : "false") +
                      R"(,"v":[)" + std::to_string(d % 7) + "," + std::to_string(d % 5) + "]" +
                      (d % 5 == 0 ? R"(,"extra":{"deep":"x"})" : "") + "}";
    }
    for (const auto& r : index_->Write(std::move(ops))) Check(r.status.ok(), r.status.ToString());
    std::vector<index::WriteOp> deletes(3);
    for (int d = 0; d < 3; ++d) {
      deletes[d].type = index::OpType::kDelete;
      deletes[d].id = std::to_string(d * 7);
    }
    for (const auto& r : index_->Write(std::move(deletes))) Check(r.status.ok(), "delete");
    indices_.push_back(index_);
  }
  const std::vector<std::shared_ptr<index::Index>>& indices() const { return indices_; }
  uint64_t live() const { return index_->doc_count(); }

 private:
  sluice::fuzz::FuzzStore store_;
  std::shared_ptr<index::Index> index_;
  std::vector<std::shared_ptr<index::Index>> indices_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Corpus corpus;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  auto request = sluice::search::ParseSearchRequest(body);
  if (!request.ok()) {
    if (request.status().reason().empty()) std::abort();
  } else {
    auto response = sluice::search::ExecuteSearch(*request, corpus.indices());
    if (response.ok()) {
      if (response->hits.size() > static_cast<size_t>(std::max(request->size, 0))) std::abort();
      if (response->total > corpus.live()) {
        std::fprintf(stderr, "total %llu > %llu live documents\n",
                     static_cast<unsigned long long>(response->total),
                     static_cast<unsigned long long>(corpus.live()));
        std::abort();
      }
    } else if (response.status().reason().empty()) {
      std::abort();
    }
  }
  auto count = sluice::search::ParseSearchRequest(body, /*count_only=*/true);
  if (count.ok()) {
    auto n = sluice::search::ExecuteCount(*count, corpus.indices());
    if (n.ok() && *n > corpus.live()) std::abort();
  }
  return 0;
}
