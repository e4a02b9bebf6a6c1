// GraphEngine over FAISS 1.7.3's HNSW graph (serves the `faiss` engine name), with sluice's own
// flat storage underneath.
//
// Why not IndexHNSWFlat / IndexHNSWSQ: Debian's libfaiss is built for baseline x86-64
// (get_compile_options() = "OPTIMIZE GENERIC"), so its flat distance is the scalar
// fvec_L2sqr_ref and its ScalarQuantizer has no SIMD path; the graph build spent most of its
// time there (0.15-0.26x raw hnswlib). CodeStorage keeps the vectors as float32, fp16 or int8
// codes and computes distances with simd_kernels (chosen at run time), and faiss::IndexHNSW
// builds and searches its graph over it. The distance computer returns the plugin's distance
// directly (squared l2, -dot, 1 - cos of normalized vectors) and the storage reports METRIC_L2,
// so FAISS treats every space as "smaller is nearer" and never negates.
//
// FAISS ids are our slots (FAISS numbers vectors 0..ntotal-1 in insertion order). FAISS cannot
// delete from HNSW: dead slots are filtered during traversal (GraphSearch) and by the caller, and the caller compacts (rebuilds) when too many are dead. FAISS add is not safe
// concurrently with search, so ConcurrentAddAndSearch() is false.
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissAssert.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <queue>

#include "vector/graph_engine.h"
#include "vector/simd_kernels.h"

namespace sluice::vector::internal {
namespace {

using idx_t = faiss::Index::idx_t;

enum class Codec : uint32_t { kFloat32 = 0, kFp16 = 1, kInt8 = 2 };

Codec CodecFor(const KnnMethod& m) {
  if (m.data_type == DataType::kByte) return Codec::kInt8;
  if (m.encoder == Encoder::kSqFp16) return Codec::kFp16;
  return Codec::kFloat32;
}

// Flat codes plus the plugin distance between a float query and a code.
class CodeStorage : public faiss::IndexFlatCodes {
 public:
  CodeStorage(const KnnMethod& m)
      : faiss::IndexFlatCodes(VectorCodeBytes(m), m.dimension, faiss::METRIC_L2),
        codec_(CodecFor(m)),
        space_(m.space),
        kernels_(ActiveKernels()) {}

  void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override {
    size_t dim = static_cast<size_t>(d);
    for (idx_t i = 0; i < n; ++i) {
      const float* v = x + i * dim;
      uint8_t* out = bytes + i * code_size;
      switch (codec_) {
        case Codec::kFloat32: std::memcpy(out, v, code_size); break;
        case Codec::kFp16: kernels_.to_f16(v, reinterpret_cast<uint16_t*>(out), dim); break;
        case Codec::kInt8:  // values were validated as integers in [-128, 127]
          for (size_t j = 0; j < dim; ++j) out[j] = static_cast<uint8_t>(static_cast<int8_t>(v[j]));
          break;
      }
    }
  }

  void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override {
    size_t dim = static_cast<size_t>(d);
    for (idx_t i = 0; i < n; ++i) {
      const uint8_t* code = bytes + i * code_size;
      float* out = x + i * dim;
      switch (codec_) {
        case Codec::kFloat32: std::memcpy(out, code, code_size); break;
        case Codec::kFp16:
          kernels_.from_f16(reinterpret_cast<const uint16_t*>(code), out, dim);
          break;
        case Codec::kInt8:
          for (size_t j = 0; j < dim; ++j) out[j] = static_cast<int8_t>(code[j]);
          break;
      }
    }
  }

  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override;

  // The graph is the only way to search this storage (IndexHNSW never calls this).
  void search(idx_t, const float*, idx_t, float*, idx_t*,
              const faiss::SearchParameters*) const override {
    FAISS_THROW_MSG("CodeStorage is searched through its HNSW graph");
  }

  float Distance(const float* q, const uint8_t* code) const {
    size_t dim = static_cast<size_t>(d);
    float raw = 0.0f;
    bool dot = space_ != SpaceType::kL2;
    switch (codec_) {
      case Codec::kFloat32: {
        auto* x = reinterpret_cast<const float*>(code);
        raw = dot ? kernels_.dot_f32(q, x, dim) : kernels_.l2_f32(q, x, dim);
        break;
      }
      case Codec::kFp16: {
        auto* x = reinterpret_cast<const uint16_t*>(code);
        raw = dot ? kernels_.dot_f16(q, x, dim) : kernels_.l2_f16(q, x, dim);
        break;
      }
      case Codec::kInt8: {
        auto* x = reinterpret_cast<const int8_t*>(code);
        raw = dot ? kernels_.dot_i8(q, x, dim) : kernels_.l2_i8(q, x, dim);
        break;
      }
    }
    switch (space_) {
      case SpaceType::kInnerProduct: return -raw;
      case SpaceType::kCosineSimil: return 1.0f - raw;  // vectors are normalized
      default: return raw;
    }
  }

  Codec codec() const { return codec_; }

 private:
  Codec codec_;
  SpaceType space_;
  const Kernels& kernels_;
};

class CodeDistance : public faiss::FlatCodesDistanceComputer {
 public:
  explicit CodeDistance(const CodeStorage& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        storage_(storage),
        scratch_(static_cast<size_t>(storage.d)) {}

  void set_query(const float* x) override { query_ = x; }
  float distance_to_code(const uint8_t* code) override { return storage_.Distance(query_, code); }
  // HNSW's neighbour pruning asks for (i, j) with i fixed over a run of j: float codes are used
  // in place, other codes are decoded once per run of i.
  float symmetric_dis(idx_t i, idx_t j) override {
    const uint8_t* a = codes + i * code_size;
    if (storage_.codec() == Codec::kFloat32) {
      return storage_.Distance(reinterpret_cast<const float*>(a), codes + j * code_size);
    }
    if (i != decoded_) {
      storage_.sa_decode(1, a, scratch_.data());
      decoded_ = i;
    }
    return storage_.Distance(scratch_.data(), codes + j * code_size);
  }

 private:
  const CodeStorage& storage_;
  const float* query_ = nullptr;
  std::vector<float> scratch_;
  idx_t decoded_ = -1;  // the id whose code scratch_ holds
};

faiss::FlatCodesDistanceComputer* CodeStorage::get_FlatCodesDistanceComputer() const {
  return new CodeDistance(*this);
}

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

// ---- serialization: our own layout, since FAISS's writer does not know CodeStorage.
// {magic "SXFH", u32 version, u32 codec, u32 d, u64 ntotal, codes, HNSW vectors (u64 count +
// raw elements each), i32 entry_point, i32 max_level, i32 efConstruction, i32 efSearch}.
constexpr char kBlobMagic[4] = {'S', 'X', 'F', 'H'};
constexpr uint32_t kBlobVersion = 1;

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
void PutVector(std::string* out, const std::vector<T>& v) {
  Put(out, static_cast<uint64_t>(v.size()));
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

class BlobReader {
 public:
  explicit BlobReader(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* v) {
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  template <typename T>
  bool GetVector(std::vector<T>* v, size_t max_count) {
    uint64_t n = 0;
    if (!Get(&n) || n > max_count || n > (data_.size() - pos_) / sizeof(T)) return false;
    v->resize(n);
    std::memcpy(v->data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return true;
  }
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

class FaissEngine : public GraphEngine {
 public:
  explicit FaissEngine(const KnnMethod& method) : method_(method) { Reset(); }

  bool ConcurrentAddAndSearch() const override { return false; }
  bool HonoursMarkDeleted() const override { return false; }
  util::Status Reserve(size_t capacity) override {
    try {
      storage_->codes.reserve(capacity * storage_->code_size);
    } catch (const std::exception& e) {
      return util::Internal(std::string("faiss reserve failed: ") + e.what());
    }
    return util::Status::Ok();
  }

  util::Status Add(std::span<const Slot> slots, const float* vectors, int threads) override {
    if (slots.empty()) return util::Status::Ok();
    if (slots.front() != static_cast<Slot>(index_->ntotal)) {
      return util::Internal("faiss slots out of order");
    }
    try {
      ScopedOmpThreads omp(threads);
      index_->add(static_cast<idx_t>(slots.size()), vectors);
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
    try {
      std::unique_ptr<faiss::VisitedTable> visited = TakeVisitedTable();
      CodeDistance dis(*storage_);
      dis.set_query(query);
      GraphSearch(dis, k, std::max(ef, k), allow, *visited, out);
      visited->advance();
      ReturnVisitedTable(std::move(visited));
    } catch (const std::exception& e) {
      return util::Internal(std::string("faiss search failed: ") + e.what());
    }
    return util::Status::Ok();
  }
  float Distance(const float* query, Slot slot) const override {
    return storage_->Distance(query, storage_->codes.data() + slot * storage_->code_size);
  }

  void Reconstruct(Slot slot, float* out) const override {
    storage_->sa_decode(1, storage_->codes.data() + slot * storage_->code_size, out);
  }

  size_t MemoryBytes() const override {
    const faiss::HNSW& h = index_->hnsw;
    return storage_->codes.capacity() + h.neighbors.capacity() * sizeof(faiss::HNSW::storage_idx_t) +
           h.offsets.capacity() * sizeof(size_t) + h.levels.capacity() * sizeof(int);
  }

  util::Status Serialize(std::string* out) const override {
    const faiss::HNSW& h = index_->hnsw;
    out->clear();
    out->append(kBlobMagic, sizeof(kBlobMagic));
    Put(out, kBlobVersion);
    Put(out, static_cast<uint32_t>(storage_->codec()));
    Put(out, static_cast<uint32_t>(method_.dimension));
    Put(out, static_cast<uint64_t>(index_->ntotal));
    PutVector(out, storage_->codes);
    PutVector(out, h.assign_probas);
    PutVector(out, h.cum_nneighbor_per_level);
    PutVector(out, h.levels);
    PutVector(out, h.offsets);
    PutVector(out, h.neighbors);
    for (int32_t v : {h.entry_point, h.max_level, h.efConstruction, h.efSearch}) Put(out, v);
    return util::Status::Ok();
  }

  util::Status Deserialize(std::string_view data, size_t slots) override;

 private:
  void Reset() {
    auto storage = std::make_unique<CodeStorage>(method_);
    storage_ = storage.get();
    index_ = std::make_unique<faiss::IndexHNSW>(storage.release(), method_.m);
    index_->own_fields = true;
    index_->hnsw.efConstruction = method_.ef_construction;
    index_->hnsw.efSearch = method_.ef_search;
  }

  void GraphSearch(CodeDistance& dis, size_t k, size_t ef, const std::function<bool(Slot)>* allow,
                   faiss::VisitedTable& visited, std::vector<SlotHit>* out) const;

  std::unique_ptr<faiss::VisitedTable> TakeVisitedTable() const {
    std::unique_ptr<faiss::VisitedTable> table;
    {
      std::lock_guard<std::mutex> lock(visited_mu_);
      if (!visited_pool_.empty()) {
        table = std::move(visited_pool_.back());
        visited_pool_.pop_back();
      }
    }
    size_t n = static_cast<size_t>(index_->ntotal);
    if (!table) table = std::make_unique<faiss::VisitedTable>(static_cast<int>(n));
    // New entries are 0, never equal to visno (>= 1), so growing keeps the table valid.
    if (table->visited.size() < n) table->visited.resize(n, 0);
    return table;
  }

  void ReturnVisitedTable(std::unique_ptr<faiss::VisitedTable> table) const {
    std::lock_guard<std::mutex> lock(visited_mu_);
    visited_pool_.push_back(std::move(table));
  }

  KnnMethod method_;
  std::unique_ptr<faiss::IndexHNSW> index_;
  CodeStorage* storage_ = nullptr;  // owned by index_
  // Visited tables reused across searches (one per concurrent search).
  mutable std::mutex visited_mu_;
  mutable std::vector<std::unique_ptr<faiss::VisitedTable>> visited_pool_;
};

// Search over FAISS's HNSW links: greedy descent through the upper levels, then a beam of width
// ef on level 0 kept in binary heaps. FAISS 1.7.3's own HNSW::search keeps its candidates in a
// MinimaxHeap whose pop is a linear scan of ef entries, and measured at about half the QPS of
// hnswlib on the same graph. Disallowed slots are traversed but never enter the results.
void FaissEngine::GraphSearch(CodeDistance& dis, size_t k, size_t ef,
                              const std::function<bool(Slot)>* allow,
                              faiss::VisitedTable& visited, std::vector<SlotHit>* out) const {
  const faiss::HNSW& h = index_->hnsw;
  using Id = faiss::HNSW::storage_idx_t;
  Id cur = h.entry_point;
  float cur_d = dis(cur);
  for (int level = h.max_level; level > 0; --level) {
    for (bool changed = true; changed;) {
      changed = false;
      size_t begin, end;
      h.neighbor_range(cur, level, &begin, &end);
      for (size_t j = begin; j < end && h.neighbors[j] >= 0; ++j) {
        float d = dis(h.neighbors[j]);
        if (d < cur_d) {
          cur_d = d;
          cur = h.neighbors[j];
          changed = true;
        }
      }
    }
  }
  auto allowed = [allow](Id id) { return allow == nullptr || (*allow)(static_cast<Slot>(id)); };
  using Entry = std::pair<float, Id>;
  std::priority_queue<Entry> top;  // the farthest kept result on top
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> candidates;
  float bound = std::numeric_limits<float>::max();
  visited.set(cur);
  candidates.emplace(cur_d, cur);
  if (allowed(cur)) {
    top.emplace(cur_d, cur);
    bound = cur_d;
  }
  while (!candidates.empty()) {
    auto [d, id] = candidates.top();
    if (d > bound && top.size() >= ef) break;
    candidates.pop();
    size_t begin, end;
    h.neighbor_range(id, 0, &begin, &end);
    for (size_t j = begin; j < end; ++j) {
      Id nb = h.neighbors[j];
      if (nb < 0) break;
      if (visited.get(nb)) continue;
      visited.set(nb);
      float nd = dis(nb);
      if (top.size() < ef || nd < bound) {
        candidates.emplace(nd, nb);
        if (allowed(nb)) {
          top.emplace(nd, nb);
          if (top.size() > ef) top.pop();
          bound = top.top().first;
        }
      }
    }
  }
  while (top.size() > k) top.pop();
  out->resize(top.size());
  for (size_t i = top.size(); i-- > 0;) {
    (*out)[i] = SlotHit{top.top().first, static_cast<Slot>(top.top().second)};
    top.pop();
  }
}

util::Status FaissEngine::Deserialize(std::string_view data, size_t slots) {
  BlobReader in(data);
  char magic[4];
  uint32_t version = 0, codec = 0, dim = 0;
  uint64_t ntotal = 0;
  if (!in.Get(&magic) || std::memcmp(magic, kBlobMagic, 4) != 0 || !in.Get(&version) ||
      version != kBlobVersion || !in.Get(&codec) || !in.Get(&dim) || !in.Get(&ntotal)) {
    return Corrupt("faiss graph header unreadable");
  }
  Reset();
  faiss::HNSW& h = index_->hnsw;
  if (codec != static_cast<uint32_t>(storage_->codec()) ||
      dim != static_cast<uint32_t>(method_.dimension) || ntotal != slots) {
    return Corrupt("faiss graph does not match the checkpoint header");
  }
  constexpr size_t kMaxLevels = 64;
  if (!in.GetVector(&storage_->codes, ntotal * storage_->code_size) ||
      storage_->codes.size() != ntotal * storage_->code_size ||
      !in.GetVector(&h.assign_probas, kMaxLevels) ||
      !in.GetVector(&h.cum_nneighbor_per_level, kMaxLevels + 1) ||
      !in.GetVector(&h.levels, ntotal) || h.levels.size() != ntotal ||
      !in.GetVector(&h.offsets, ntotal + 1) || h.offsets.size() != ntotal + 1 ||
      !in.GetVector(&h.neighbors, data.size())) {
    return Corrupt("faiss graph truncated");
  }
  int32_t fields[4];
  for (int32_t& f : fields) {
    if (!in.Get(&f)) return Corrupt("faiss graph truncated");
  }
  if (!in.AtEnd()) return Corrupt("trailing faiss graph bytes");
  const auto& cum = h.cum_nneighbor_per_level;
  if (cum.empty() || h.offsets[0] != 0 || h.offsets.back() != h.neighbors.size()) {
    return Corrupt("bad faiss graph offsets");
  }
  for (size_t i = 0; i < ntotal; ++i) {
    int level = h.levels[i];
    if (level < 1 || static_cast<size_t>(level) >= cum.size() ||
        h.offsets[i + 1] < h.offsets[i] ||
        h.offsets[i + 1] - h.offsets[i] != static_cast<size_t>(cum[level])) {
      return Corrupt("bad faiss graph levels");
    }
  }
  for (auto id : h.neighbors) {
    if (id < -1 || id >= static_cast<int64_t>(ntotal)) return Corrupt("bad faiss neighbour id");
  }
  h.entry_point = fields[0];
  h.max_level = fields[1];
  if ((ntotal == 0) != (h.entry_point < 0) ||
      (ntotal > 0 && (static_cast<uint64_t>(h.entry_point) >= ntotal || h.max_level < 0 ||
                      h.max_level >= h.levels[h.entry_point]))) {
    return Corrupt("bad faiss graph entry point");
  }
  h.efConstruction = fields[2];
  h.efSearch = fields[3];
  storage_->ntotal = static_cast<idx_t>(ntotal);
  index_->ntotal = static_cast<idx_t>(ntotal);
  return util::Status::Ok();
}

}  // namespace

std::unique_ptr<GraphEngine> MakeFaissEngine(const KnnMethod& method) {
  return std::make_unique<FaissEngine>(method);
}

}  // namespace sluice::vector::internal
