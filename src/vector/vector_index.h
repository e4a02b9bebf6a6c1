// VectorIndex: an approximate k-NN index over float vectors for one knn_vector field, keyed by
// uint64 labels (internal document numbers assigned by the caller). Engines: hnswlib (serves the
// `nmslib` and `lucene` engine names) and FAISS IndexHNSWFlat (serves `faiss`).
//
// Results use the plugin's distance definitions and scores (see knn_method.h, distance.h) and
// are sorted by score descending, ties by label ascending.
//
// Thread-safety: every method may be called concurrently with any other. Searches run in
// parallel with each other; Add/AddBatch run in parallel with searches where the engine allows
// it (hnswlib) and otherwise briefly exclude them (FAISS add, capacity growth, Remove, the
// publication step of a batch, compaction). A search running during an AddBatch sees, for each
// label of the batch, either its old state or its new vector, never a half-inserted one.
//
// Errors: bad input (wrong dimension, NaN/infinite values, zero vector for cosinesimil, the
// reserved label kInvalidLabel) returns an illegal_argument_exception Status; nothing aborts.
// Engine exceptions are caught and returned as Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"
#include "util/status.h"
#include "vector/knn_method.h"

namespace sluice::vector {

// Never a valid label (used internally as a marker).
inline constexpr uint64_t kInvalidLabel = std::numeric_limits<uint64_t>::max();

struct VectorIndexOptions {
  // Threads used by AddBatch (and compaction). 0 = std::thread::hardware_concurrency().
  int threads = 0;
  // Initial graph capacity; it doubles as needed.
  size_t initial_capacity = 1024;
  // Filtered search uses exact distances when allowed_count * dimension is at most this
  // (the plugin's MAX_DISTANCE_COMPUTATIONS), or when allowed_count <= k.
  size_t exact_search_max_distance_computations = 2'048'000;
  // The graph is rebuilt without deleted/replaced entries when they exceed this fraction of all
  // entries (FAISS cannot delete from HNSW; hnswlib keeps deleted nodes as routing nodes).
  // 0 disables compaction. Default: 0.2 for faiss, 0.5 for hnswlib (<0 = engine default).
  double compact_deleted_ratio = -1.0;
  // Seed of the HNSW level generator (hnswlib), for reproducible graphs.
  size_t random_seed = 100;
};

struct Neighbor {
  uint64_t label = kInvalidLabel;
  float distance = 0.0f;  // plugin distance (l2 squared, 1-cos, -dot, ...)
  float score = 0.0f;     // plugin _score
};

struct SearchParams {
  // HNSW ef at search time; 0 = the method's ef_search. Effective ef is max(ef, k).
  int ef_search = 0;
  // Optional: only labels for which `filter` returns true may be returned. Called on the
  // searching thread, many times per search; must be cheap. Both engines apply it while
  // traversing the graph; if the ANN result is short of min(k, live entries), the search falls
  // back to exact distances over every allowed entry, so results are never short.
  std::function<bool(uint64_t)> filter;
  // Optional: the complete list of labels the filter allows. When given, sets with
  // size <= k or size * dimension <= exact_search_max_distance_computations are searched
  // exactly (as the plugin does); when given without `filter`, the filter is membership in it.
  std::optional<std::span<const uint64_t>> allowed_labels;
  // Radial search (set at most one): return every entry with distance <= max_distance, or with
  // score >= min_score, up to k of them (nearest first).
  std::optional<float> max_distance;
  std::optional<float> min_score;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual const KnnMethod& method() const = 0;
  int Dimension() const { return method().dimension; }

  // Inserts or replaces the vector of `label`. `vector` must have Dimension() values.
  virtual util::Status Add(uint64_t label, std::span<const float> vector) = 0;
  // Inserts or replaces many vectors (row-major, labels.size() * Dimension() floats) using
  // options.threads threads. A label given twice keeps its last vector. Validates every
  // vector before changing anything.
  virtual util::Status AddBatch(std::span<const uint64_t> labels,
                                std::span<const float> vectors) = 0;
  // Removes `label`; removing an absent label is a no-op.
  virtual util::Status Remove(uint64_t label) = 0;

  // The k nearest (or, for radial params, all within the threshold, at most k) live labels.
  virtual util::Result<std::vector<Neighbor>> Search(std::span<const float> query, size_t k,
                                                     const SearchParams& params = {}) const = 0;
  // Exact distances from `query` to the given labels (absent labels are skipped); returns the
  // best k (all if k == 0) honouring params' filter and radial threshold. ef_search is ignored.
  virtual util::Result<std::vector<Neighbor>> ExactSearch(
      std::span<const float> query, std::span<const uint64_t> candidates, size_t k,
      const SearchParams& params = {}) const = 0;

  virtual bool Contains(uint64_t label) const = 0;
  // Live labels.
  virtual size_t Size() const = 0;
  // Approximate bytes held in memory by the graph, vectors and label tables.
  virtual size_t MemoryBytes() const = 0;

  // Writes a checkpoint (header with magic, version, method, last_seq, counts and a CRC32 of
  // the body; the engine's serialized graph; the label table) to `path` atomically (temp file,
  // fsync, rename). Concurrent writers are excluded for the duration.
  virtual util::Status Save(const std::string& path, uint64_t last_seq) const = 0;
};

// Creates an empty index. Validates `method` (ValidateKnnMethod) first.
util::Result<std::unique_ptr<VectorIndex>> CreateVectorIndex(const KnnMethod& method,
                                                             VectorIndexOptions options = {});

struct LoadedVectorIndex {
  std::unique_ptr<VectorIndex> index;
  uint64_t last_seq = 0;  // as given to Save
};

// Loads a checkpoint written by Save. A missing, truncated or corrupt file is an error Status
// (io_exception for missing/unreadable, corrupt_index_exception for bad content).
util::Result<LoadedVectorIndex> LoadVectorIndex(const std::string& path,
                                                VectorIndexOptions options = {});

}  // namespace sluice::vector
