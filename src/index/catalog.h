// Catalog: the set of indices in one data directory.
//
// Opens every persisted index at start, creates and deletes indices, and
// resolves index expressions (names, comma lists, wildcards, _all) the way
// OpenSearch's REST layer does. Index objects are shared_ptrs: a request that
// holds one keeps using it safely even if the index is deleted meanwhile.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"
#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::index {

// Checks an index name against OpenSearch's rules (invalid_index_name_exception).
util::Status ValidateIndexName(std::string_view name);

// The OpenSearch error for a missing index.
util::Status IndexNotFound(std::string_view name);

class Catalog {
 public:
  // Opens every index persisted in store. The store must outlive the catalog.
  static util::Result<std::unique_ptr<Catalog>> Open(storage::Store* store, IndexOptions options);

  // Creates an index from a create-index body ({"settings":..,"mappings":..,"aliases":..}).
  util::Result<std::shared_ptr<Index>> Create(std::string_view name, std::string_view body);
  util::Result<std::shared_ptr<Index>> Get(std::string_view name) const;
  util::Status Delete(std::string_view name);

  // Resolves "a,b", "logs-*", "_all", "*". A concrete name that does not exist
  // is index_not_found_exception; wildcards may match nothing.
  util::Result<std::vector<std::shared_ptr<Index>>> Resolve(std::string_view expression) const;
  std::vector<std::shared_ptr<Index>> List() const;
  // Checkpoints the vector graphs of every index (see Index::Checkpoint).
  util::Status CheckpointAll() const;

 private:
  Catalog(storage::Store* store, IndexOptions options) : store_(store), options_(options) {}

  storage::Store* const store_;
  const IndexOptions options_;
  mutable util::SharedMutex mu_;
  std::map<std::string, std::shared_ptr<Index>, std::less<>> indices_ GUARDED_BY(mu_);
};

}  // namespace sluice::index
