// GraphEngine over FAISS 1.7.3 IndexHNSWFlat (serves the `faiss` engine name).
//
// FAISS ids are our slots (FAISS numbers vectors 0..ntotal-1 in insertion order). FAISS cannot
// delete from HNSW: dead slots are filtered through an IDSelector during traversal and by the
// caller, and the caller compacts (rebuilds) when too many are dead. FAISS add is not safe
// concurrently with search, so ConcurrentAddAndSearch() is false.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "vector/graph_engine.h"

namespace sluice::vector::internal {
namespace {

class FunctionSelector : public faiss::IDSelector {
 public:
  explicit FunctionSelector(const std::function<bool(Slot)>* allow) : allow_(allow) {}
  bool is_member(faiss::Index::idx_t id) const override {
    return id >= 0 && (*allow_)(static_cast<Slot>(id));
  }

 private:
  const std::function<bool(Slot)>* allow_;
};

// Sets the calling thread's OpenMP thread count for one scope.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(std::max(threads, 1));
  }
  ~ScopedOmpThreads() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

class FaissEngine : public GraphEngine {
 public:
  explicit FaissEngine(const KnnMethod& method) : method_(method) { Reset(); }

  bool ConcurrentAddAndSearch() const override { return false; }
  bool HonoursMarkDeleted() const override { return false; }
  util::Status Reserve(size_t) override { return util::Status::Ok(); }

  util::Status Add(std::span<const Slot> slots, const float* vectors, int threads) override {
    if (slots.empty()) return util::Status::Ok();
    if (slots.front() != static_cast<Slot>(index_->ntotal)) {
      return util::Internal("faiss slots out of order");
    }
    try {
      ScopedOmpThreads omp(threads);
      index_->add(static_cast<faiss::Index::idx_t>(slots.size()), vectors);
    } catch (const std::exception& e) {
      return util::Internal(std::string("faiss add failed: ") + e.what());
    }
    return util::Status::Ok();
  }

  void MarkDeleted(Slot) override {}

  util::Status Search(const float* query, size_t k, size_t ef,
                      const std::function<bool(Slot)>* allow,
                      std::vector<SlotHit>* out) const override {
    out->clear();
    if (index_->ntotal == 0 || k == 0) return util::Status::Ok();
    k = std::min<size_t>(k, static_cast<size_t>(index_->ntotal));
    std::vector<float> distances(k);
    std::vector<faiss::Index::idx_t> ids(k);
    faiss::SearchParametersHNSW params;
    params.efSearch = static_cast<int>(std::max(ef, k));
    FunctionSelector selector(allow);
    if (allow != nullptr) params.sel = &selector;
    try {
      ScopedOmpThreads omp(1);
      index_->search(1, query, static_cast<faiss::Index::idx_t>(k), distances.data(), ids.data(),
                     &params);
    } catch (const std::exception& e) {
      return util::Internal(std::string("faiss search failed: ") + e.what());
    }
    out->reserve(k);
    for (size_t i = 0; i < k; ++i) {
      if (ids[i] < 0) continue;
      out->push_back(SlotHit{ToPluginDistance(distances[i]), static_cast<Slot>(ids[i])});
    }
    return util::Status::Ok();
  }

  const float* StoredVector(Slot slot) const override {
    const auto* flat = static_cast<const faiss::IndexFlat*>(index_->storage);
    return flat->get_xb() + static_cast<size_t>(slot) * method_.dimension;
  }

  size_t MemoryBytes() const override {
    size_t n = static_cast<size_t>(index_->ntotal);
    return n * method_.dimension * sizeof(float) +
           index_->hnsw.neighbors.capacity() * sizeof(faiss::HNSW::storage_idx_t) +
           index_->hnsw.offsets.capacity() * sizeof(size_t) + index_->hnsw.levels.capacity() * 4;
  }

  util::Status Serialize(std::string* out) const override {
    try {
      faiss::VectorIOWriter writer;
      faiss::write_index(index_.get(), &writer);
      out->assign(reinterpret_cast<const char*>(writer.data.data()), writer.data.size());
    } catch (const std::exception& e) {
      return util::Internal(std::string("faiss write_index failed: ") + e.what());
    }
    return util::Status::Ok();
  }

  util::Status Deserialize(std::string_view data, size_t slots) override {
    std::unique_ptr<faiss::Index> loaded;
    try {
      faiss::VectorIOReader reader;
      reader.data.assign(data.begin(), data.end());
      loaded.reset(faiss::read_index(&reader));
    } catch (const std::exception& e) {
      return Corrupt(std::string("faiss read_index failed: ") + e.what());
    }
    auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(loaded.get());
    if (hnsw == nullptr || hnsw->d != method_.dimension || hnsw->metric_type != Metric() ||
        static_cast<size_t>(hnsw->ntotal) != slots ||
        dynamic_cast<const faiss::IndexFlat*>(hnsw->storage) == nullptr) {
      return Corrupt("faiss index does not match the checkpoint header");
    }
    loaded.release();
    index_.reset(hnsw);
    return util::Status::Ok();
  }

 private:
  faiss::MetricType Metric() const {
    return method_.space == SpaceType::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
  }

  void Reset() {
    index_ = std::make_unique<faiss::IndexHNSWFlat>(method_.dimension, method_.m, Metric());
    index_->hnsw.efConstruction = method_.ef_construction;
    index_->hnsw.efSearch = method_.ef_search;
  }

  float ToPluginDistance(float raw) const {
    switch (method_.space) {
      case SpaceType::kInnerProduct: return -raw;        // similarity → -dot
      case SpaceType::kCosineSimil: return 1.0f - raw;   // cos of normalized vectors → 1 - cos
      default: return raw;                               // squared L2
    }
  }

  KnnMethod method_;
  std::unique_ptr<faiss::IndexHNSWFlat> index_;
};

}  // namespace

std::unique_ptr<GraphEngine> MakeFaissEngine(const KnnMethod& method) {
  return std::make_unique<FaissEngine>(method);
}

}  // namespace sluice::vector::internal
