// Search paths of GraphVectorIndex: ANN (with filter retries and exact fallback), radial and
// exact. All run under mu_ held shared.
#include <algorithm>
#include <cmath>
#include <limits>

#include "vector/distance.h"
#include "vector/graph_vector_index.h"

namespace sluice::vector::internal {

struct GraphVectorIndex::Query {
  std::vector<float> vec;
  std::function<bool(uint64_t)> filter;
  std::unordered_set<uint64_t> allowed_set;
  std::optional<std::span<const uint64_t>> allowed;
  size_t ef = 0;
  bool radial = false;
  std::optional<float> max_distance;
  std::optional<float> min_score;
  float guide_distance = 0.0f;
};

util::Status GraphVectorIndex::PrepareQuery(std::span<const float> query,
                                            const SearchParams& params, Query* q) const {
  if (query.size() != dim_) {
    return util::InvalidArgument("Query vector has invalid dimension: " +
                                 std::to_string(query.size()) +
                                 ". Dimension should be: " + std::to_string(dim_));
  }
  bool nonzero = false;
  for (float x : query) {
    if (!std::isfinite(x)) return util::InvalidArgument("query vector values must be finite");
    if (method_.data_type == DataType::kByte &&
        (std::floor(x) != x || x < -128.0f || x > 127.0f)) {
      return util::InvalidArgument(
          "[data_type] field was set as [byte] in index mapping. But, KNN vector values are "
          "not byte integers within the range [-128, 127]");
    }
    nonzero |= x != 0.0f;
  }
  q->vec.assign(query.begin(), query.end());
  if (method_.space == SpaceType::kCosineSimil &&
      (!nonzero || (NormalizesVectors() && !NormalizeL2(q->vec.data(), dim_)))) {
    return util::InvalidArgument("zero vector is not supported when space type is [cosinesimil]");
  }
  if (params.max_distance && params.min_score) {
    return util::InvalidArgument("[knn] requires exactly one of k, distance or score to be set");
  }
  q->ef = static_cast<size_t>(params.ef_search > 0 ? params.ef_search : method_.ef_search);
  q->allowed = params.allowed_labels;
  if (params.filter) {
    q->filter = params.filter;
  } else if (params.allowed_labels) {
    q->allowed_set.insert(params.allowed_labels->begin(), params.allowed_labels->end());
    q->filter = [set = &q->allowed_set](uint64_t label) { return set->count(label) > 0; };
  }
  q->max_distance = params.max_distance;
  q->min_score = params.min_score;
  q->radial = params.max_distance || params.min_score;
  if (params.max_distance) q->guide_distance = *params.max_distance;
  if (params.min_score) {
    float d = ScoreToDistance(method_.space, *params.min_score);
    q->guide_distance = d + std::fabs(d) * 1e-5f + 1e-6f;
  }
  return util::Status::Ok();
}

float GraphVectorIndex::StoredDistance(const float* query, Slot slot) const {
  return engine_->Distance(query, slot);
}

bool GraphVectorIndex::Accept(const Query& q, Slot slot, float distance, Neighbor* out) const {
  if (slot >= published_slots_) return false;
  uint64_t label = slot_label_[slot];
  if (label == kInvalidLabel) return false;
  if (q.filter && !q.filter(label)) return false;
  float score = DistanceToScore(method_.space, distance);
  if (q.max_distance && !(distance <= *q.max_distance)) return false;
  if (q.min_score && !(score >= *q.min_score)) return false;
  *out = Neighbor{label, distance, score};
  return true;
}

void GraphVectorIndex::SortAndTruncate(Hits* hits, size_t k) {
  std::sort(hits->begin(), hits->end(), [](const Neighbor& a, const Neighbor& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.label < b.label;
  });
  if (k > 0 && hits->size() > k) hits->resize(k);
}

GraphVectorIndex::Hits GraphVectorIndex::ExactOverSlots(const Query& q,
                                                        const std::vector<Slot>& slots,
                                                        size_t k) const {
  Hits hits;
  Neighbor n;
  for (Slot s : slots) {
    if (s < published_slots_ && Accept(q, s, StoredDistance(q.vec.data(), s), &n)) {
      hits.push_back(n);
    }
  }
  SortAndTruncate(&hits, k);
  return hits;
}

GraphVectorIndex::Hits GraphVectorIndex::ExactOverAll(const Query& q, size_t k) const {
  Hits hits;
  Neighbor n;
  for (size_t s = 0; s < published_slots_; ++s) {
    if (slot_label_[s] == kInvalidLabel) continue;
    if (q.filter && !q.filter(slot_label_[s])) continue;
    Slot slot = static_cast<Slot>(s);
    if (Accept(q, slot, StoredDistance(q.vec.data(), slot), &n)) hits.push_back(n);
  }
  SortAndTruncate(&hits, k);
  return hits;
}

util::Result<std::vector<Neighbor>> GraphVectorIndex::Search(std::span<const float> query,
                                                             size_t k,
                                                             const SearchParams& params) const {
  Query q;
  SLUICE_RETURN_IF_ERROR(PrepareQuery(query, params, &q));
  std::shared_lock<WriterFairSharedMutex> lock(mu_);
  if (k == 0 || label_slot_.empty()) return Hits{};
  // Small allowed sets are cheaper (and exact) by brute force, as in the plugin.
  if (q.allowed && q.filter &&
      (q.allowed->size() <= k ||
       q.allowed->size() * dim_ <= options_.exact_search_max_distance_computations)) {
    std::vector<Slot> slots;
    slots.reserve(q.allowed->size());
    for (uint64_t label : *q.allowed) {
      auto it = label_slot_.find(label);
      if (it != label_slot_.end()) slots.push_back(it->second);
    }
    return ExactOverSlots(q, slots, k);
  }
  return q.radial ? RadialSearch(q, k) : AnnSearch(q, k);
}

GraphVectorIndex::Hits GraphVectorIndex::AnnSearch(const Query& q, size_t k) const {
  const size_t live = label_slot_.size();
  const size_t total = slot_label_.size();
  const bool filtered = static_cast<bool>(q.filter);
  std::function<bool(Slot)> allow = [this, &q](Slot s) {
    return s < published_slots_ && slot_label_[s] != kInvalidLabel &&
           (!q.filter || q.filter(slot_label_[s]));
  };
  const bool need_allow = filtered || (total > live && !engine_->HonoursMarkDeleted());
  size_t kk = std::min(k, total);
  Hits hits;
  std::vector<SlotHit> raw;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (!engine_->Search(q.vec.data(), kk, std::max(q.ef, kk), need_allow ? &allow : nullptr, &raw)
             .ok()) {
      break;
    }
    hits.clear();
    Neighbor n;
    for (const SlotHit& h : raw) {
      if (Accept(q, h.slot, h.distance, &n)) hits.push_back(n);
    }
    if (hits.size() >= k || kk >= total) break;
    kk = std::min(total, kk * 4);
  }
  // Never come back short when enough entries exist: confirm by brute force.
  if (hits.size() < std::min(k, live)) return ExactOverAll(q, k);
  SortAndTruncate(&hits, k);
  return hits;
}

GraphVectorIndex::Hits GraphVectorIndex::RadialSearch(const Query& q, size_t k) const {
  const size_t live = label_slot_.size();
  const size_t total = slot_label_.size();
  if (live * dim_ <= options_.exact_search_max_distance_computations) return ExactOverAll(q, k);
  std::function<bool(Slot)> allow = [this, &q](Slot s) {
    return s < published_slots_ && slot_label_[s] != kInvalidLabel &&
           (!q.filter || q.filter(slot_label_[s]));
  };
  size_t kk = std::min<size_t>(total, std::max<size_t>(q.ef, 64));
  std::vector<SlotHit> raw;
  while (true) {
    if (!engine_->Search(q.vec.data(), kk, std::max(q.ef, kk), &allow, &raw).ok()) break;
    bool reached_edge = raw.size() < kk;
    for (const SlotHit& h : raw) reached_edge |= h.distance > q.guide_distance;
    if (reached_edge || kk >= total) {
      Hits hits;
      Neighbor n;
      for (const SlotHit& h : raw) {
        if (Accept(q, h.slot, h.distance, &n)) hits.push_back(n);
      }
      SortAndTruncate(&hits, k);
      return hits;
    }
    kk *= 4;
    if (kk * 2 > total) break;
  }
  return ExactOverAll(q, k);
}

util::Result<std::vector<Neighbor>> GraphVectorIndex::ExactSearch(
    std::span<const float> query, std::span<const uint64_t> candidates, size_t k,
    const SearchParams& params) const {
  Query q;
  SLUICE_RETURN_IF_ERROR(PrepareQuery(query, params, &q));
  std::shared_lock<WriterFairSharedMutex> lock(mu_);
  std::vector<Slot> slots;
  slots.reserve(candidates.size());
  for (uint64_t label : candidates) {
    auto it = label_slot_.find(label);
    if (it != label_slot_.end()) slots.push_back(it->second);
  }
  return ExactOverSlots(q, slots, k);
}

}  // namespace sluice::vector::internal
