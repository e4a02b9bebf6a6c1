#include "vector/graph_vector_index.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>
#include <unordered_set>

#include "vector/distance.h"

namespace sluice::vector::internal {


namespace {

// Rejects values the field cannot store (the plugin's messages); clips fp16 values when the
// encoder says `clip`.
util::Status CheckValues(const KnnMethod& m, std::span<float> v) {
  bool nonzero = false;
  for (float& x : v) {
    if (std::isnan(x)) return util::InvalidArgument("KNN vector values cannot be NaN");
    if (std::isinf(x)) return util::InvalidArgument("KNN vector values cannot be infinity");
    if (m.data_type == DataType::kByte) {
      if (std::floor(x) != x) {
        return util::InvalidArgument(
            "[data_type] field was set as [byte] in index mapping. But, KNN vector values are "
            "floats instead of byte integers");
      }
      if (x < -128.0f || x > 127.0f) {
        return util::InvalidArgument(
            "[data_type] field was set as [byte] in index mapping. But, KNN vector values are "
            "not within in the byte range [-128, 127]");
      }
    }
    if (m.encoder == Encoder::kSqFp16 && std::fabs(x) > kFp16Max) {
      if (!m.fp16_clip) return Fp16RangeError();
      x = std::copysign(kFp16Max, x);
    }
    nonzero |= x != 0.0f;
  }
  if (m.space == SpaceType::kCosineSimil && !nonzero) {
    return util::InvalidArgument("zero vector is not supported when space type is [cosinesimil]");
  }
  return util::Status::Ok();
}

util::Status DimensionMismatch(size_t expected, size_t given) {
  return util::InvalidArgument("Vector dimension mismatch. Expected: " + std::to_string(expected) +
                               ", Given: " + std::to_string(given));
}

}  // namespace

util::Status ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::string error;
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (error.empty()) error = e.what();
        next = n;
      }
    }
  };
  size_t extra = std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))) - (n > 0);
  std::vector<std::thread> pool;
  pool.reserve(extra);
  for (size_t t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (!error.empty()) return util::Internal("vector engine failed: " + error);
  return util::Status::Ok();
}

util::Status Corrupt(std::string reason) {
  return util::Status(util::Code::kIoError, "corrupt_index_exception",
                      "corrupt vector index checkpoint: " + std::move(reason));
}

GraphVectorIndex::GraphVectorIndex(const KnnMethod& method, const VectorIndexOptions& options)
    : method_(method), options_(options), dim_(static_cast<size_t>(method.dimension)) {
  engine_ = method.engine == Engine::kFaiss ? MakeFaissEngine(method)
                                            : MakeHnswlibEngine(method, options.random_seed);
}

bool GraphVectorIndex::NormalizesVectors() const {
  return method_.space == SpaceType::kCosineSimil && method_.data_type == DataType::kFloat;
}

int GraphVectorIndex::Threads() const {
  if (options_.threads > 0) return options_.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

double GraphVectorIndex::CompactRatio() const {
  if (options_.compact_deleted_ratio >= 0) return options_.compact_deleted_ratio;
  return method_.engine == Engine::kFaiss ? 0.2 : 0.5;
}

util::Status GraphVectorIndex::Add(uint64_t label, std::span<const float> vector) {
  if (vector.size() != dim_) return DimensionMismatch(dim_, vector.size());
  return AddBatch(std::span<const uint64_t>(&label, 1), vector);
}

util::Status GraphVectorIndex::AddBatch(std::span<const uint64_t> labels,
                                        std::span<const float> vectors) {
  if (vectors.size() != labels.size() * dim_) {
    return util::InvalidArgument("Vector batch has " + std::to_string(vectors.size()) +
                                 " values for " + std::to_string(labels.size()) +
                                 " labels of dimension " + std::to_string(dim_));
  }
  for (uint64_t label : labels) {
    if (label == kInvalidLabel) return util::InvalidArgument("invalid vector label");
  }
  // Keep the last vector of a label given twice (two concurrent inserts of one label would race
  // inside the engine).
  std::unordered_set<uint64_t> seen;
  std::vector<size_t> rows;
  for (size_t i = labels.size(); i-- > 0;) {
    if (seen.insert(labels[i]).second) rows.push_back(i);
  }
  std::reverse(rows.begin(), rows.end());
  std::vector<uint64_t> batch_labels(rows.size());
  std::vector<float> batch(rows.size() * dim_);
  for (size_t r = 0; r < rows.size(); ++r) {
    batch_labels[r] = labels[rows[r]];
    float* dst = batch.data() + r * dim_;
    std::copy_n(vectors.data() + rows[r] * dim_, dim_, dst);
    SLUICE_RETURN_IF_ERROR(CheckValues(method_, std::span<float>(dst, dim_)));
    if (NormalizesVectors()) NormalizeL2(dst, dim_);
  }
  std::lock_guard<std::mutex> write_lock(write_mu_);
  SLUICE_RETURN_IF_ERROR(InsertRows(batch_labels, batch));
  return MaybeCompact();
}

util::Status GraphVectorIndex::InsertRows(const std::vector<uint64_t>& labels,
                                          const std::vector<float>& vectors) {
  if (labels.empty()) return util::Status::Ok();
  std::vector<Slot> slots(labels.size());
  {
    std::unique_lock<WriterFairSharedMutex> lock(mu_);
    size_t first = slot_label_.size();
    if (first + labels.size() >= std::numeric_limits<Slot>::max()) {
      return util::InvalidArgument("vector index is full (2^32 entries)");
    }
    for (size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<Slot>(first + i);
    size_t needed = first + labels.size();
    if (needed > capacity_) {
      size_t capacity = std::max({capacity_ * 2, needed, options_.initial_capacity});
      SLUICE_RETURN_IF_ERROR(engine_->Reserve(capacity));
      capacity_ = capacity;
    }
    slot_label_.resize(needed, kInvalidLabel);
  }
  util::Status added;
  if (engine_->ConcurrentAddAndSearch()) {
    std::shared_lock<WriterFairSharedMutex> lock(mu_);
    added = engine_->Add(slots, vectors.data(), Threads());
  } else {
    std::unique_lock<WriterFairSharedMutex> lock(mu_);
    added = engine_->Add(slots, vectors.data(), Threads());
  }
  std::unique_lock<WriterFairSharedMutex> lock(mu_);
  published_slots_ = slot_label_.size();
  if (!added.ok()) {
    for (Slot s : slots) engine_->MarkDeleted(s);
    return added;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    auto [it, inserted] = label_slot_.try_emplace(labels[i], slots[i]);
    if (!inserted) {
      engine_->MarkDeleted(it->second);
      slot_label_[it->second] = kInvalidLabel;
      it->second = slots[i];
    }
    slot_label_[slots[i]] = labels[i];
  }
  return util::Status::Ok();
}

util::Status GraphVectorIndex::Remove(uint64_t label) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  {
    std::unique_lock<WriterFairSharedMutex> lock(mu_);
    auto it = label_slot_.find(label);
    if (it == label_slot_.end()) return util::Status::Ok();
    engine_->MarkDeleted(it->second);
    slot_label_[it->second] = kInvalidLabel;
    label_slot_.erase(it);
  }
  return MaybeCompact();
}

util::Status GraphVectorIndex::MaybeCompact() {
  // Caller holds write_mu_, so the tables only change here; searches keep using the old engine
  // while the new one is built.
  std::vector<uint64_t> labels;
  std::vector<float> vectors;
  {
    std::shared_lock<WriterFairSharedMutex> lock(mu_);
    double ratio = CompactRatio();
    size_t dead = published_slots_ - label_slot_.size();
    if (ratio <= 0 || published_slots_ < 64 || dead <= ratio * published_slots_) {
      return util::Status::Ok();
    }
    labels.reserve(label_slot_.size());
    vectors.reserve(label_slot_.size() * dim_);
    for (size_t s = 0; s < published_slots_; ++s) {
      if (slot_label_[s] == kInvalidLabel) continue;
      labels.push_back(slot_label_[s]);
      vectors.resize(vectors.size() + dim_);
      engine_->Reconstruct(static_cast<Slot>(s), vectors.data() + vectors.size() - dim_);
    }
  }
  auto engine = method_.engine == Engine::kFaiss
                    ? MakeFaissEngine(method_)
                    : MakeHnswlibEngine(method_, options_.random_seed);
  size_t capacity = std::max({labels.size(), options_.initial_capacity, size_t{1}});
  SLUICE_RETURN_IF_ERROR(engine->Reserve(capacity));
  std::vector<Slot> slots(labels.size());
  for (size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<Slot>(i);
  SLUICE_RETURN_IF_ERROR(engine->Add(slots, vectors.data(), Threads()));
  std::unique_lock<WriterFairSharedMutex> lock(mu_);
  engine_ = std::move(engine);
  capacity_ = capacity;
  slot_label_ = labels;
  published_slots_ = labels.size();
  label_slot_.clear();
  for (size_t i = 0; i < labels.size(); ++i) label_slot_[labels[i]] = static_cast<Slot>(i);
  return util::Status::Ok();
}

util::Status GraphVectorIndex::Restore(std::vector<uint64_t> slot_labels,
                                       std::string_view engine_blob) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::unique_lock<WriterFairSharedMutex> lock(mu_);
  SLUICE_RETURN_IF_ERROR(engine_->Deserialize(engine_blob, slot_labels.size()));
  label_slot_.clear();
  for (size_t s = 0; s < slot_labels.size(); ++s) {
    if (slot_labels[s] == kInvalidLabel) continue;
    if (!label_slot_.try_emplace(slot_labels[s], static_cast<Slot>(s)).second) {
      return Corrupt("duplicate label " + std::to_string(slot_labels[s]));
    }
  }
  capacity_ = std::max<size_t>(slot_labels.size(), 1);
  published_slots_ = slot_labels.size();
  slot_label_ = std::move(slot_labels);
  return util::Status::Ok();
}

bool GraphVectorIndex::Contains(uint64_t label) const {
  std::shared_lock<WriterFairSharedMutex> lock(mu_);
  return label_slot_.count(label) > 0;
}

size_t GraphVectorIndex::Size() const {
  std::shared_lock<WriterFairSharedMutex> lock(mu_);
  return label_slot_.size();
}

size_t GraphVectorIndex::MemoryBytes() const {
  std::shared_lock<WriterFairSharedMutex> lock(mu_);
  return engine_->MemoryBytes() + slot_label_.capacity() * sizeof(uint64_t) +
         label_slot_.size() * (sizeof(uint64_t) + sizeof(Slot) + 2 * sizeof(void*));
}

util::Status GraphVectorIndex::Save(const std::string& path, uint64_t last_seq) const {
  return SaveCheckpoint(*this, path, last_seq);
}

}  // namespace sluice::vector::internal
