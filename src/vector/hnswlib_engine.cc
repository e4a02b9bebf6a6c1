// GraphEngine over hnswlib 0.6.2 (serves the `nmslib` and `lucene` engine names).
//
// `byte` fields (lucene) store int8 codes: hnswlib copies `get_data_size()` bytes per point and
// hands stored data and queries to the distance function alike, so vectors and queries are
// encoded to int8 first and distances are exact integer arithmetic (simd_kernels).
//
// hnswlib labels are our slots. Per-query ef: searchKnn uses max(ef_, k), so ef_ stays at 1 and
// we ask for max(k, ef) results, which avoids mutating shared state per query.
//
// hnswlib 0.6.2 defines non-inline globals (SIMD function pointers, cpuid helpers) in its
// headers, so it may be included by only this translation unit of any binary that links
// sluice_vector (bench/knn_bench.cc renames its copies with macros).
#include <hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <queue>
#include <sstream>

#include "vector/graph_engine.h"
#include "vector/simd_kernels.h"

namespace sluice::vector::internal {
namespace {

float L1Dist(const void* a, const void* b, const void* param) {
  size_t dim = *static_cast<const size_t*>(param);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += std::fabs(x[i] - y[i]);
  return sum;
}

float LInfDist(const void* a, const void* b, const void* param) {
  size_t dim = *static_cast<const size_t*>(param);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  float m = 0.0f;
  for (size_t i = 0; i < dim; ++i) m = std::fmax(m, std::fabs(x[i] - y[i]));
  return m;
}

// hnswlib space for a plain distance function over float vectors.
class FunctionSpace : public hnswlib::SpaceInterface<float> {
 public:
  FunctionSpace(size_t dim, hnswlib::DISTFUNC<float> fn) : dim_(dim), fn_(fn) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> fn_;
};

// hnswlib space over int8 codes. Raw values follow hnswlib's float spaces: squared l2, 1 - dot
// for innerproduct, and 1 - cos for cosinesimil (byte vectors cannot be normalized).
class Int8Space : public hnswlib::SpaceInterface<float> {
 public:
  Int8Space(size_t dim, SpaceType space) : param_{dim, &ActiveKernels()} {
    fn_ = space == SpaceType::kL2             ? &L2
          : space == SpaceType::kInnerProduct ? &InnerProduct
                                              : &Cosine;
  }
  size_t get_data_size() override { return param_.dim; }
  hnswlib::DISTFUNC<float> get_dist_func() override { return fn_; }
  void* get_dist_func_param() override { return &param_; }

 private:
  struct Param {
    size_t dim;
    const Kernels* kernels;
  };
  static float L2(const void* a, const void* b, const void* param) {
    auto* p = static_cast<const Param*>(param);
    return static_cast<float>(p->kernels->l2_i8i8(static_cast<const int8_t*>(a),
                                                  static_cast<const int8_t*>(b), p->dim));
  }
  static float InnerProduct(const void* a, const void* b, const void* param) {
    auto* p = static_cast<const Param*>(param);
    return 1.0f - static_cast<float>(p->kernels->dot_i8i8(static_cast<const int8_t*>(a),
                                                          static_cast<const int8_t*>(b), p->dim));
  }
  static float Cosine(const void* a, const void* b, const void* param) {
    auto* p = static_cast<const Param*>(param);
    auto* x = static_cast<const int8_t*>(a);
    auto* y = static_cast<const int8_t*>(b);
    double dot = p->kernels->dot_i8i8(x, y, p->dim);
    double nx = p->kernels->dot_i8i8(x, x, p->dim);
    double ny = p->kernels->dot_i8i8(y, y, p->dim);
    if (nx == 0 || ny == 0) return 1.0f;
    return static_cast<float>(1.0 - dot / std::sqrt(nx * ny));
  }

  Param param_;
  hnswlib::DISTFUNC<float> fn_;
};

void EncodeInt8(const float* in, size_t n, int8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(in[i]);
}

using Graph = hnswlib::HierarchicalNSW<float>;

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* v) {
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  const char* Take(size_t n) {
    if (data_.size() - pos_ < n) return nullptr;
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

class HnswlibEngine : public GraphEngine {
 public:
  HnswlibEngine(const KnnMethod& method, size_t seed)
      : method_(method), seed_(seed), bytes_(method.data_type == DataType::kByte) {
    size_t dim = static_cast<size_t>(method.dimension);
    if (bytes_) {
      space_ = std::make_unique<Int8Space>(dim, method.space);
      return;
    }
    switch (method.space) {
      case SpaceType::kL2: space_ = std::make_unique<hnswlib::L2Space>(dim); break;
      case SpaceType::kInnerProduct:
      case SpaceType::kCosineSimil:
        space_ = std::make_unique<hnswlib::InnerProductSpace>(dim);
        break;
      case SpaceType::kL1: space_ = std::make_unique<FunctionSpace>(dim, &L1Dist); break;
      case SpaceType::kLInf:
      case SpaceType::kHamming:
        space_ = std::make_unique<FunctionSpace>(dim, &LInfDist);
        break;
    }
  }

  bool ConcurrentAddAndSearch() const override { return true; }
  bool HonoursMarkDeleted() const override { return true; }

  util::Status Reserve(size_t capacity) override {
    try {
      if (!graph_) {
        graph_ = std::make_unique<Graph>(space_.get(), capacity, method_.m,
                                         method_.ef_construction, seed_);
        graph_->setEf(1);
      } else if (capacity > graph_->max_elements_) {
        graph_->resizeIndex(capacity);
      }
      if (internal_of_slot_.size() < capacity) internal_of_slot_.resize(capacity);
    } catch (const std::exception& e) {
      return util::Internal(std::string("hnswlib reserve failed: ") + e.what());
    }
    return util::Status::Ok();
  }

  util::Status Add(std::span<const Slot> slots, const float* vectors, int threads) override {
    size_t dim = static_cast<size_t>(method_.dimension);
    std::vector<int8_t> codes;
    const char* data = reinterpret_cast<const char*>(vectors);
    if (bytes_) {
      codes.resize(slots.size() * dim);
      EncodeInt8(vectors, codes.size(), codes.data());
      data = reinterpret_cast<const char*>(codes.data());
    }
    const size_t stride = space_->get_data_size();
    return ParallelFor(slots.size(), threads, [&](size_t i) {
      internal_of_slot_[slots[i]] =
          graph_->addPoint(data + i * stride, static_cast<hnswlib::labeltype>(slots[i]), -1);
    });
  }

  void MarkDeleted(Slot slot) override {
    if (!graph_) return;
    auto it = graph_->label_lookup_.find(slot);
    if (it == graph_->label_lookup_.end() || graph_->isMarkedDeleted(it->second)) return;
    graph_->markDeletedInternal(it->second);
  }

  util::Status Search(const float* query, size_t k, size_t ef,
                      const std::function<bool(Slot)>* allow,
                      std::vector<SlotHit>* out) const override {
    out->clear();
    if (!graph_ || k == 0) return util::Status::Ok();
    std::vector<int8_t> code;
    const void* q = Encoded(query, &code);
    try {
      if (allow != nullptr) {
        FilteredSearch(q, k, std::max(k, ef), *allow, out);
        return util::Status::Ok();
      }
      auto queue = graph_->searchKnn(q, std::max(k, ef));
      out->resize(queue.size());
      for (size_t i = queue.size(); i-- > 0;) {
        const auto& [raw, label] = queue.top();
        (*out)[i] = SlotHit{ToPluginDistance(raw), static_cast<Slot>(label)};
        queue.pop();
      }
      if (out->size() > k) out->resize(k);
    } catch (const std::exception& e) {
      return util::Internal(std::string("hnswlib search failed: ") + e.what());
    }
    return util::Status::Ok();
  }

  float Distance(const float* query, Slot slot) const override {
    std::vector<int8_t> code;
    const void* q = Encoded(query, &code);
    return ToPluginDistance(graph_->fstdistfunc_(
        q, graph_->getDataByInternalId(internal_of_slot_[slot]), graph_->dist_func_param_));
  }

  void Reconstruct(Slot slot, float* out) const override {
    const char* data = graph_->getDataByInternalId(internal_of_slot_[slot]);
    size_t dim = static_cast<size_t>(method_.dimension);
    if (!bytes_) {
      std::memcpy(out, data, dim * sizeof(float));
      return;
    }
    for (size_t i = 0; i < dim; ++i) out[i] = static_cast<int8_t>(data[i]);
  }

  size_t MemoryBytes() const override {
    if (!graph_) return 0;
    size_t bytes = graph_->max_elements_ * graph_->size_data_per_element_;
    for (size_t i = 0; i < graph_->cur_element_count; ++i) {
      bytes += graph_->element_levels_[i] * graph_->size_links_per_element_;
    }
    return bytes + internal_of_slot_.capacity() * sizeof(uint32_t) +
           graph_->label_lookup_.size() * 32;
  }

  util::Status Serialize(std::string* out) const override;
  util::Status Deserialize(std::string_view data, size_t slots) override;

 private:
  void FilteredSearch(const void* query, size_t k, size_t ef,
                      const std::function<bool(Slot)>& allow, std::vector<SlotHit>* out) const;

  // The query in the stored format: the floats themselves, or int8 codes in *code.
  const void* Encoded(const float* query, std::vector<int8_t>* code) const {
    if (!bytes_) return query;
    code->resize(static_cast<size_t>(method_.dimension));
    EncodeInt8(query, code->size(), code->data());
    return code->data();
  }

  float ToPluginDistance(float raw) const {
    // InnerProductSpace returns 1 - dot: for innerproduct the plugin's d is -dot; for
    // cosinesimil (normalized vectors) 1 - dot is already 1 - cos.
    return method_.space == SpaceType::kInnerProduct ? raw - 1.0f : raw;
  }

  KnnMethod method_;
  size_t seed_;
  bool bytes_;  // int8 codes (data_type byte)
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<Graph> graph_;
  // hnswlib internal id of each slot, written by the adding thread before the slot is published.
  std::vector<uint32_t> internal_of_slot_;
};

// hnswlib 0.6.2 has no filter support: this is its search (greedy descent on the upper layers,
// beam search of width ef on layer 0) where every node is still traversed but only allowed,
// non-deleted nodes enter the result set. With a selective filter it explores further until ef
// allowed nodes are found (as later hnswlib versions do).
void HnswlibEngine::FilteredSearch(const void* query, size_t k, size_t ef,
                                   const std::function<bool(Slot)>& allow,
                                   std::vector<SlotHit>* out) const {
  const Graph& g = *graph_;
  if (g.cur_element_count == 0) return;
  auto dist = [&](hnswlib::tableint id) {
    return g.fstdistfunc_(query, g.getDataByInternalId(id), g.dist_func_param_);
  };
  hnswlib::tableint cur = g.enterpoint_node_;
  float cur_dist = dist(cur);
  for (int level = g.maxlevel_; level > 0; --level) {
    for (bool changed = true; changed;) {
      changed = false;
      auto* list = g.get_linklist(cur, level);
      size_t size = g.getListCount(list);
      auto* ids = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (size_t i = 0; i < size; ++i) {
        float d = dist(ids[i]);
        if (d < cur_dist) {
          cur_dist = d;
          cur = ids[i];
          changed = true;
        }
      }
    }
  }
  auto allowed = [&](hnswlib::tableint id) {
    return !g.isMarkedDeleted(id) && allow(static_cast<Slot>(g.getExternalLabel(id)));
  };
  using Entry = std::pair<float, hnswlib::tableint>;
  std::priority_queue<Entry> top;  // farthest allowed result on top
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> candidates;
  hnswlib::VisitedList* visited = g.visited_list_pool_->getFreeVisitedList();
  hnswlib::vl_type* mass = visited->mass;
  hnswlib::vl_type tag = visited->curV;
  float bound = std::numeric_limits<float>::max();
  mass[cur] = tag;
  candidates.emplace(cur_dist, cur);
  if (allowed(cur)) {
    top.emplace(cur_dist, cur);
    bound = cur_dist;
  }
  while (!candidates.empty()) {
    auto [d, id] = candidates.top();
    if (d > bound && top.size() >= ef) break;
    candidates.pop();
    auto* list = g.get_linklist0(id);
    size_t size = g.getListCount(list);
    auto* ids = reinterpret_cast<const hnswlib::tableint*>(list + 1);
    for (size_t i = 0; i < size; ++i) {
      hnswlib::tableint nb = ids[i];
      if (mass[nb] == tag) continue;
      mass[nb] = tag;
      float nd = dist(nb);
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
  g.visited_list_pool_->releaseVisitedList(visited);
  while (top.size() > k) top.pop();
  out->resize(top.size());
  for (size_t i = top.size(); i-- > 0;) {
    (*out)[i] = SlotHit{ToPluginDistance(top.top().first),
                        static_cast<Slot>(g.getExternalLabel(top.top().second))};
    top.pop();
  }
}

util::Status HnswlibEngine::Serialize(std::string* out) const {
  out->clear();
  uint64_t count = graph_ ? graph_->cur_element_count : 0;
  Put(out, count);
  if (count == 0) return util::Status::Ok();
  Put(out, static_cast<int32_t>(graph_->maxlevel_));
  Put(out, static_cast<uint32_t>(graph_->enterpoint_node_));
  Put(out, static_cast<uint64_t>(graph_->size_data_per_element_));
  Put(out, static_cast<uint64_t>(graph_->size_links_per_element_));
  out->append(graph_->data_level0_memory_, count * graph_->size_data_per_element_);
  for (size_t i = 0; i < count; ++i) {
    uint32_t size = graph_->element_levels_[i] > 0
                        ? graph_->size_links_per_element_ * graph_->element_levels_[i]
                        : 0;
    Put(out, size);
    if (size) out->append(graph_->linkLists_[i], size);
  }
  return util::Status::Ok();
}

util::Status HnswlibEngine::Deserialize(std::string_view data, size_t slots) {
  Reader in(data);
  uint64_t count = 0;
  if (!in.Get(&count) || count != slots) return Corrupt("hnswlib graph size mismatch");
  graph_.reset();
  internal_of_slot_.clear();
  SLUICE_RETURN_IF_ERROR(Reserve(std::max<size_t>(count, 1)));
  if (count == 0) return in.AtEnd() ? util::Status::Ok() : Corrupt("trailing graph bytes");
  int32_t maxlevel = 0;
  uint32_t enterpoint = 0;
  uint64_t size_data = 0, size_links = 0;
  if (!in.Get(&maxlevel) || !in.Get(&enterpoint) || !in.Get(&size_data) || !in.Get(&size_links) ||
      size_data != graph_->size_data_per_element_ ||
      size_links != graph_->size_links_per_element_ || enterpoint >= count || maxlevel < 0) {
    return Corrupt("hnswlib graph header mismatch");
  }
  const char* level0 = in.Take(count * size_data);
  if (level0 == nullptr) return Corrupt("hnswlib graph truncated");
  std::memcpy(graph_->data_level0_memory_, level0, count * size_data);
  Graph& g = *graph_;
  for (size_t i = 0; i < count; ++i) {
    uint32_t size = 0;
    if (!in.Get(&size) || size % size_links != 0) return Corrupt("bad hnswlib link list");
    int level = static_cast<int>(size / size_links);
    if (level > maxlevel) return Corrupt("bad hnswlib level");
    g.element_levels_[i] = level;
    g.linkLists_[i] = nullptr;
    if (size) {
      const char* links = in.Take(size);
      if (links == nullptr) return Corrupt("hnswlib graph truncated");
      g.linkLists_[i] = static_cast<char*>(malloc(size));
      if (g.linkLists_[i] == nullptr) return util::Internal("out of memory loading graph");
      std::memcpy(g.linkLists_[i], links, size);
    }
    g.cur_element_count = i + 1;  // the destructor frees link lists of counted elements
  }
  if (!in.AtEnd()) return Corrupt("trailing graph bytes");
  g.maxlevel_ = maxlevel;
  g.enterpoint_node_ = enterpoint;
  g.num_deleted_ = 0;
  for (size_t i = 0; i < count; ++i) {
    for (int level = 0; level <= g.element_levels_[i]; ++level) {
      auto* ll = g.get_linklist_at_level(static_cast<hnswlib::tableint>(i), level);
      size_t n = g.getListCount(ll);
      if (n > (level == 0 ? g.maxM0_ : g.maxM_)) return Corrupt("bad hnswlib neighbour count");
      auto* ids = reinterpret_cast<hnswlib::tableint*>(ll + 1);
      for (size_t j = 0; j < n; ++j) {
        if (ids[j] >= count) return Corrupt("bad hnswlib neighbour id");
      }
    }
    hnswlib::labeltype label = g.getExternalLabel(static_cast<hnswlib::tableint>(i));
    if (label >= count || g.label_lookup_.count(label)) return Corrupt("bad hnswlib label");
    g.label_lookup_[label] = static_cast<hnswlib::tableint>(i);
    internal_of_slot_[label] = static_cast<uint32_t>(i);
    if (g.isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++g.num_deleted_;
  }
  return util::Status::Ok();
}

}  // namespace

std::unique_ptr<GraphEngine> MakeHnswlibEngine(const KnnMethod& method, size_t random_seed) {
  return std::make_unique<HnswlibEngine>(method, random_seed);
}

}  // namespace sluice::vector::internal
