// GraphVectorIndex: the VectorIndex implementation shared by all engines. It owns the label ↔
// slot tables, input validation, locking, filtered / radial / exact search, compaction and
// checkpoints; a GraphEngine owns the graph. Internal to vector/ (use CreateVectorIndex).
//
// Locking: `write_mu_` serialises writers (AddBatch, Remove, Save, compaction) so slot
// assignment never interleaves; `mu_` (shared) protects the tables and the engine: searches
// hold it shared, table updates hold it exclusively, and engine inserts hold it shared when the
// engine supports concurrent add+search (hnswlib) and exclusively otherwise (FAISS).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vector/graph_engine.h"
#include "vector/vector_index.h"

namespace sluice::vector::internal {

// A shared mutex that does not starve writers: glibc's rwlock prefers readers, so a steady
// stream of searches would block AddBatch forever. A writer closes the gate, so readers that
// arrive after it wait until it has had its turn. Meets the SharedMutex requirements used by
// std::unique_lock / std::shared_lock.
class WriterFairSharedMutex {
 public:
  void lock() {
    std::lock_guard<std::mutex> gate(gate_);
    mu_.lock();
  }
  void unlock() { mu_.unlock(); }
  void lock_shared() {
    { std::lock_guard<std::mutex> gate(gate_); }
    mu_.lock_shared();
  }
  void unlock_shared() { mu_.unlock_shared(); }

 private:
  std::mutex gate_;
  std::shared_mutex mu_;
};

class GraphVectorIndex : public VectorIndex {
 public:
  GraphVectorIndex(const KnnMethod& method, const VectorIndexOptions& options);

  const KnnMethod& method() const override { return method_; }
  util::Status Add(uint64_t label, std::span<const float> vector) override;
  util::Status AddBatch(std::span<const uint64_t> labels, std::span<const float> vectors) override;
  util::Status Remove(uint64_t label) override;
  util::Result<std::vector<Neighbor>> Search(std::span<const float> query, size_t k,
                                             const SearchParams& params) const override;
  util::Result<std::vector<Neighbor>> ExactSearch(std::span<const float> query,
                                                  std::span<const uint64_t> candidates, size_t k,
                                                  const SearchParams& params) const override;
  bool Contains(uint64_t label) const override;
  size_t Size() const override;
  size_t MemoryBytes() const override;
  util::Status Save(const std::string& path, uint64_t last_seq) const override;

  // Restores state from a checkpoint body (see checkpoint.cc).
  util::Status Restore(std::vector<uint64_t> slot_labels, std::string_view engine_blob);

 private:
  struct Query;  // a validated, possibly normalized query plus its resolved filter
  using Hits = std::vector<Neighbor>;

  util::Status PrepareQuery(std::span<const float> query, const SearchParams& params,
                            Query* q) const;
  // Search helpers; callers hold mu_ shared.
  Hits AnnSearch(const Query& q, size_t k) const;
  Hits RadialSearch(const Query& q, size_t k) const;
  Hits ExactOverSlots(const Query& q, const std::vector<Slot>& slots, size_t k) const;
  Hits ExactOverAll(const Query& q, size_t k) const;
  bool Accept(const Query& q, Slot slot, float distance, Neighbor* out) const;
  float StoredDistance(const float* query, Slot slot) const;
  static void SortAndTruncate(Hits* hits, size_t k);

  util::Status InsertRows(const std::vector<uint64_t>& labels, const std::vector<float>& vectors);
  util::Status MaybeCompact();
  double CompactRatio() const;
  int Threads() const;
  // Cosine float vectors (and queries) are normalized so that 1 - dot is the distance; byte
  // vectors stay integers and their engine computes the cosine itself.
  bool NormalizesVectors() const;

  const KnnMethod method_;
  const VectorIndexOptions options_;
  const size_t dim_;

  mutable std::mutex write_mu_;
  mutable WriterFairSharedMutex mu_;
  std::unique_ptr<GraphEngine> engine_;                  // GUARDED_BY(mu_)
  std::vector<uint64_t> slot_label_;                     // GUARDED_BY(mu_); kInvalidLabel = dead
  std::unordered_map<uint64_t, Slot> label_slot_;        // GUARDED_BY(mu_)
  size_t capacity_ = 0;                                  // GUARDED_BY(mu_)
  size_t published_slots_ = 0;                           // GUARDED_BY(mu_)

  friend util::Status SaveCheckpoint(const GraphVectorIndex& index, const std::string& path,
                                     uint64_t last_seq);
};

util::Status SaveCheckpoint(const GraphVectorIndex& index, const std::string& path,
                            uint64_t last_seq);

}  // namespace sluice::vector::internal
