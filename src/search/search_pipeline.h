// SearchPipeline and SearchPipelineStore: OpenSearch's search pipelines
// (`PUT /_search/pipeline/<id>`), of which sluice runs the phase-results
// processors of the neural-search plugin: `normalization-processor` and
// `score-ranker-processor` (RRF). They score `hybrid` queries (see
// hybrid_scoring.h).
//
// ParseSearchPipeline validates a pipeline body as OpenSearch and
// neural-search do at PUT time: unknown top-level keys are a parse_exception,
// bad techniques, weights or parameters an illegal_argument_exception with
// neural-search's words. Request and response processors are refused with a
// 400 (sluice implements none).
//
// SearchPipelineStore keeps the pipelines of the node in the store's meta
// column ("search_pipeline/<id>" → the body as given), loaded at Open.
// Thread-safe; the store must outlive it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search/hybrid_scoring.h"
#include "util/result.h"

namespace sluice::storage {
class Store;
}

namespace sluice::search {

struct SearchPipeline {
  std::string id;
  std::string body;                     // the JSON as given at PUT (what GET shows)
  std::optional<HybridScoring> hybrid;  // its normalization / score-ranker processor
};

util::Result<SearchPipeline> ParseSearchPipeline(std::string id, std::string_view body);

class SearchPipelineStore {
 public:
  static util::Result<std::unique_ptr<SearchPipelineStore>> Open(storage::Store* store);

  // Creates or replaces the pipeline (body validated first).
  util::Status Put(const std::string& id, std::string_view body);
  // nullptr when there is no such pipeline.
  std::shared_ptr<const SearchPipeline> Get(std::string_view id) const;
  // Every pipeline whose id matches one of the patterns ("*" wildcards; empty: all).
  std::vector<std::shared_ptr<const SearchPipeline>> Find(
      const std::vector<std::string>& patterns) const;
  // False when there was no such pipeline.
  util::Result<bool> Delete(std::string_view id);

 private:
  explicit SearchPipelineStore(storage::Store* store) : store_(store) {}

  storage::Store* const store_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const SearchPipeline>, std::less<>>
      pipelines_;  // guarded by mu_
};

}  // namespace sluice::search
