// GraphEngine: internal adapter between GraphVectorIndex (which owns labels, locking, filtering,
// exact search and checkpoints) and one ANN library. Not part of vector/'s public API.
//
// Engines store vectors under dense "slots" (uint32 positions assigned by the caller, in
// increasing order) and report distances in the plugin's definition (l2 squared, 1 - cos,
// -dot, l1, linf), converting from the library's raw values.
//
// Vectors arrive as floats; an engine may store them as codes (fp16, int8 for `byte` fields,
// whose values the caller has validated as integers in [-128, 127]).
//
// Thread-safety: the caller guarantees that Reserve, MarkDeleted and Deserialize run alone;
// Search, Distance and Reconstruct may run concurrently with each other, and with Add only when
// ConcurrentAddAndSearch() is true. Methods never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"
#include "vector/knn_method.h"

namespace sluice::vector::internal {

using Slot = uint32_t;

struct SlotHit {
  float distance;  // plugin distance
  Slot slot;
};

class GraphEngine {
 public:
  virtual ~GraphEngine() = default;

  virtual bool ConcurrentAddAndSearch() const = 0;
  // Whether Search skips slots given to MarkDeleted (otherwise the caller passes `allow`).
  virtual bool HonoursMarkDeleted() const = 0;
  // Makes room for slots [0, capacity).
  virtual util::Status Reserve(size_t capacity) = 0;
  // Adds `slots.size()` vectors (row-major; float vectors of cosinesimil fields already
  // normalized) using up to
  // `threads` threads. Slots are consecutive and start at the number of slots added so far.
  virtual util::Status Add(std::span<const Slot> slots, const float* vectors, int threads) = 0;
  // Stops returning `slot` from Search (engines without deletion may ignore this; the caller
  // filters dead slots anyway).
  virtual void MarkDeleted(Slot slot) = 0;
  // Up to k nearest slots, nearest first, searching with the given ef. `allow`, when not null,
  // restricts the results to allowed slots while still traversing the whole graph (the caller
  // re-checks every hit).
  virtual util::Status Search(const float* query, size_t k, size_t ef,
                              const std::function<bool(Slot)>* allow,
                              std::vector<SlotHit>* out) const = 0;
  // Plugin distance from a query (prepared as for Search) to the stored vector of a slot.
  virtual float Distance(const float* query, Slot slot) const = 0;
  // The stored vector of a slot, decoded to `dimension` floats (normalized for cosine floats).
  virtual void Reconstruct(Slot slot, float* out) const = 0;
  virtual size_t MemoryBytes() const = 0;

  virtual util::Status Serialize(std::string* out) const = 0;
  // Replaces the contents with a serialized graph that must hold exactly `slots` entries.
  virtual util::Status Deserialize(std::string_view data, size_t slots) = 0;
};

std::unique_ptr<GraphEngine> MakeHnswlibEngine(const KnnMethod& method, size_t random_seed);
std::unique_ptr<GraphEngine> MakeFaissEngine(const KnnMethod& method);

// Runs fn(i) for i in [0, n) on `threads` threads (the calling thread included); returns the
// first exception's message as an internal error Status.
util::Status ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn);

// Corrupt-checkpoint error (corrupt_index_exception).
util::Status Corrupt(std::string reason);

}  // namespace sluice::vector::internal
