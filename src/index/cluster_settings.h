// ClusterSettings: the dynamic cluster settings of GET/PUT /_cluster/settings.
//
// Known settings (any other is refused as OpenSearch refuses it):
//   knn.memory.circuit_breaker.limit — KnnMemoryBreaker's limit, a percentage
//     of the memory budget or a byte size; default "50%".
//   cluster.routing.allocation.*, cluster.routing.rebalance.enable,
//     cluster.max_shards_per_node, indices.recovery.max_bytes_per_sec —
//     OpenSearch's allocation settings: validated and stored, no effect on one node.
// Persistent settings are stored in the metadata column and applied again at
// Open; transient ones live until the process ends and win over persistent
// ones. Values are kept as the strings clients sent (numbers as their text).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::storage {
class Store;
}

namespace sluice::index {

class KnnMemoryBreaker;

class ClusterSettings {
 public:
  using Flat = std::map<std::string, std::string>;
  // One update: a value sets a setting, nullopt resets it to its default.
  using Update = std::map<std::string, std::optional<std::string>>;

  // Loads the persistent settings and applies them. `store` and `breaker`
  // must outlive this object.
  static util::Result<std::unique_ptr<ClusterSettings>> Open(storage::Store* store,
                                                             KnnMemoryBreaker* breaker);

  // Validates every setting of both updates first (nothing changes on an
  // error), then persists the persistent ones and applies the effective values.
  util::Status Apply(const Update& persistent, const Update& transient);
  Flat persistent() const;
  Flat transient() const;
  // Every known setting with its default value (?include_defaults).
  static Flat Defaults();

 private:
  ClusterSettings(storage::Store* store, KnnMemoryBreaker* breaker)
      : store_(store), breaker_(breaker) {}
  util::Status ApplyEffective() REQUIRES(mu_);

  storage::Store* const store_;
  KnnMemoryBreaker* const breaker_;
  mutable util::Mutex mu_;
  Flat persistent_ GUARDED_BY(mu_);
  Flat transient_ GUARDED_BY(mu_);
};

}  // namespace sluice::index
