// knn_bench: sluice VectorIndex against raw hnswlib on the same vectors, threads and parameters.
//
//   knn_bench [--data <sift-dataset-5k.tsv> | --random <n> | --clustered <n>] [--threads <n>]
//
// Prints build throughput for raw hnswlib (parallel addPoint) and VectorIndex::AddBatch for
// every engine variant (hnswlib float; faiss float, faiss sq fp16; with integer data also faiss
// and lucene `byte`), search QPS and recall@10 at the smallest ef giving raw searchKnn
// recall@10 >= 0.95, memory per vector, and each variant's ratios against raw hnswlib in this
// run. Best of three builds and nine interleaved search rounds each, to damp noise on a shared
// machine. "raw_faiss_hnswflat" is FAISS's own IndexHNSWFlat as Debian builds it (what the
// faiss engine ran before sluice's storage), for the record. --clustered makes 384-d unit vectors around 64 centres (embedding-shaped); the SIFT
// set (integers 0..191) is shifted by -64 for the byte variants, which leaves L2 unchanged.
#include "raw_hnswlib.h"

#include <faiss/IndexHNSW.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "vector/distance.h"
#include "vector/vector_index.h"

namespace {

using sluice::vector::DataType;
using sluice::vector::Encoder;
using sluice::vector::Engine;
using sluice::vector::KnnMethod;
using sluice::vector::VectorIndex;
using Clock = std::chrono::steady_clock;

constexpr int kM = 16;
constexpr int kEfConstruction = 200;
constexpr size_t kK = 10;

struct Data {
  size_t dim = 128;
  bool integer = false;  // values are integers (SIFT): the byte variants can run
  std::vector<float> base, queries;
  std::vector<uint64_t> labels;
  std::vector<std::vector<uint64_t>> truth;
  size_t n() const { return labels.size(); }
  size_t nq() const { return queries.size() / dim; }
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Data LoadSift(const std::string& path) {
  Data d;
  d.integer = true;
  const size_t kDim = d.dim;
  std::ifstream in(path);
  std::string line;
  for (size_t row = 0; std::getline(in, line); ++row) {
    std::istringstream fields(line);
    std::vector<float>& dst = row % 25 == 0 ? d.queries : d.base;
    float v;
    for (size_t i = 0; i < kDim && fields >> v; ++i) dst.push_back(v);
    if (row % 25 != 0) d.labels.push_back(d.labels.size());
  }
  return d;
}

Data MakeClustered(size_t n) {
  Data d;
  d.dim = 384;
  std::mt19937 gen(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> centres(64 * d.dim);
  for (float& v : centres) v = g(gen);
  auto make = [&](std::vector<float>* out, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const float* c = centres.data() + (gen() % 64) * d.dim;
      std::vector<float> v(d.dim);
      for (size_t j = 0; j < d.dim; ++j) v[j] = c[j] + 0.6f * g(gen);
      sluice::vector::NormalizeL2(v.data(), d.dim);
      out->insert(out->end(), v.begin(), v.end());
    }
  };
  make(&d.base, n);
  make(&d.queries, 200);
  for (size_t i = 0; i < n; ++i) d.labels.push_back(i);
  return d;
}

Data MakeRandom(size_t n) {
  Data d;
  const size_t kDim = d.dim;
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  d.base.resize(n * kDim);
  for (float& v : d.base) v = u(gen);
  d.queries.resize(200 * kDim);
  for (float& v : d.queries) v = u(gen);
  for (size_t i = 0; i < n; ++i) d.labels.push_back(i);
  return d;
}

void ComputeTruth(Data* d) {
  const size_t kDim = d->dim;
  for (size_t q = 0; q < d->nq(); ++q) {
    std::vector<std::pair<float, uint64_t>> all(d->n());
    for (size_t i = 0; i < d->n(); ++i) {
      all[i] = {sluice::vector::L2SquaredDistance(d->queries.data() + q * kDim,
                                                  d->base.data() + i * kDim, kDim),
                i};
    }
    std::partial_sort(all.begin(), all.begin() + kK, all.end());
    std::vector<uint64_t> top;
    for (size_t i = 0; i < kK; ++i) top.push_back(all[i].second);
    d->truth.push_back(top);
  }
}

double Recall(const Data& d, const std::vector<std::vector<uint64_t>>& got) {
  size_t hit = 0;
  for (size_t q = 0; q < d.nq(); ++q) {
    std::unordered_set<uint64_t> t(d.truth[q].begin(), d.truth[q].end());
    for (uint64_t l : got[q]) hit += t.count(l);
  }
  return static_cast<double>(hit) / static_cast<double>(d.nq() * kK);
}

std::unique_ptr<hnswlib::HierarchicalNSW<float>> BuildRaw(const Data& d, hnswlib::L2Space* space,
                                                          int threads, double* seconds) {
  const size_t kDim = d.dim;
  auto start = Clock::now();
  auto graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(space, d.n(), kM,
                                                                 kEfConstruction, 100);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < d.n(); i = next++) {
      graph->addPoint(d.base.data() + i * kDim, d.labels[i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  *seconds = Seconds(start);
  return graph;
}

// FAISS IndexHNSWFlat straight from the library (OpenMP threads, one batch add).
std::unique_ptr<faiss::IndexHNSWFlat> BuildRawFaiss(const Data& d, int threads, double* seconds) {
  auto start = Clock::now();
  auto index = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(d.dim), kM);
  index->hnsw.efConstruction = kEfConstruction;
  omp_set_num_threads(threads);
  index->add(static_cast<faiss::Index::idx_t>(d.n()), d.base.data());
  *seconds = Seconds(start);
  return index;
}

struct Variant {
  const char* name = "";
  Engine engine = Engine::kNmslib;
  DataType data_type = DataType::kFloat;
  Encoder encoder = Encoder::kNone;
  std::vector<float> base, queries;  // shifted copies for byte variants
  std::unique_ptr<VectorIndex> index;
  double best_build = 1e30, qps = 0, recall = 0;
};

Variant MakeVariant(const char* name, Engine engine, DataType data_type, Encoder encoder) {
  Variant v;
  v.name = name;
  v.engine = engine;
  v.data_type = data_type;
  v.encoder = encoder;
  return v;
}

std::unique_ptr<VectorIndex> BuildSluice(const Data& d, const Variant& v, int threads,
                                         double* seconds) {
  KnnMethod m;
  m.engine = v.engine;
  m.data_type = v.data_type;
  m.encoder = v.encoder;
  m.dimension = static_cast<int>(d.dim);
  m.m = kM;
  m.ef_construction = kEfConstruction;
  sluice::vector::VectorIndexOptions options;
  options.threads = threads;
  options.initial_capacity = d.n();
  auto start = Clock::now();
  auto index = std::move(sluice::vector::CreateVectorIndex(m, options)).value();
  auto status = index->AddBatch(d.labels, v.base);
  *seconds = Seconds(start);
  if (!status.ok()) {
    std::fprintf(stderr, "AddBatch failed: %s\n", status.ToString().c_str());
    std::exit(1);
  }
  return index;
}

// Runs all queries `passes` times; returns QPS and the results of the last pass.
template <typename SearchFn>
double Qps(const Data& d, const std::vector<float>& queries, int passes, SearchFn search,
           std::vector<std::vector<uint64_t>>* out) {
  out->assign(d.nq(), {});
  auto start = Clock::now();
  for (int p = 0; p < passes; ++p) {
    for (size_t q = 0; q < d.nq(); ++q) search(queries.data() + q * d.dim, &(*out)[q]);
  }
  return static_cast<double>(passes * d.nq()) / Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_path = std::string(SLUICE_TESTDATA_DIR) + "/ann/ngt-sift5k/sift-dataset-5k.tsv";
  size_t random_n = 0, clustered_n = 0;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data") data_path = argv[i + 1];
    if (flag == "--random") random_n = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--clustered") clustered_n = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
  }
  Data d = clustered_n ? MakeClustered(clustered_n)
           : random_n  ? MakeRandom(random_n)
                       : LoadSift(data_path);
  if (d.n() == 0) {
    std::fprintf(stderr, "no vectors loaded\n");
    return 1;
  }
  const size_t dim = d.dim;
  ComputeTruth(&d);
  std::printf("knn_dataset: %s base=%zu queries=%zu dim=%zu m=%d ef_construction=%d threads=%d\n",
              clustered_n ? "clustered" : random_n ? "random" : "sift5k", d.n(), d.nq(), dim, kM,
              kEfConstruction, threads);

  std::vector<Variant> variants;
  variants.push_back(MakeVariant("hnswlib", Engine::kNmslib, DataType::kFloat, Encoder::kNone));
  variants.push_back(MakeVariant("faiss", Engine::kFaiss, DataType::kFloat, Encoder::kNone));
  variants.push_back(
      MakeVariant("faiss_sq_fp16", Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16));
  if (d.integer) {
    variants.push_back(
        MakeVariant("faiss_byte", Engine::kFaiss, DataType::kByte, Encoder::kNone));
    variants.push_back(
        MakeVariant("lucene_byte", Engine::kLucene, DataType::kByte, Encoder::kNone));
  }
  for (Variant& v : variants) {
    v.base = d.base;
    v.queries = d.queries;
    if (v.data_type == DataType::kByte) {
      for (float& x : v.base) x -= 64.0f;
      for (float& x : v.queries) x -= 64.0f;
    }
  }

  hnswlib::L2Space space(dim);
  double best_raw = 1e30, best_raw_faiss = 1e30, s = 0;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> raw;
  std::unique_ptr<faiss::IndexHNSWFlat> raw_faiss;
  for (int run = 0; run < 3; ++run) {
    raw = BuildRaw(d, &space, threads, &s);
    best_raw = std::min(best_raw, s);
    raw_faiss = BuildRawFaiss(d, threads, &s);
    best_raw_faiss = std::min(best_raw_faiss, s);
    for (Variant& v : variants) {
      v.index.reset();
      v.index = BuildSluice(d, v, threads, &s);
      v.best_build = std::min(v.best_build, s);
    }
  }
  double n = static_cast<double>(d.n());
  std::printf("raw_hnswlib_build: %.0f vectors/s\n", n / best_raw);
  std::printf("raw_faiss_hnswflat_build: %.0f vectors/s (%.2fx raw hnswlib)\n", n / best_raw_faiss,
              best_raw / best_raw_faiss);
  for (const Variant& v : variants) {
    std::printf("sluice_%s_build: %.0f vectors/s (%.2fx raw hnswlib) memory=%.0f bytes/vector\n",
                v.name, n / v.best_build, best_raw / v.best_build,
                static_cast<double>(v.index->MemoryBytes()) / n);
  }
  std::printf("knn_build_vs_raw_hnswlib: %.2fx\n", best_raw / variants[0].best_build);

  // Smallest ef reaching recall@10 >= 0.95 with raw hnswlib; the same ef for sluice.
  std::vector<std::vector<uint64_t>> got;
  auto raw_search = [&](size_t ef) {
    return [&, ef](const float* q, std::vector<uint64_t>* out) {
      auto res = raw->searchKnn(q, std::max(ef, kK));  // ef_ is 10; k >= ef selects ef
      std::vector<std::pair<float, size_t>> v;
      while (!res.empty()) {
        v.push_back(res.top());
        res.pop();
      }
      std::reverse(v.begin(), v.end());
      out->clear();
      for (size_t i = 0; i < std::min(kK, v.size()); ++i) out->push_back(v[i].second);
    };
  };
  size_t ef = 10;
  for (size_t candidate : {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}) {
    ef = candidate;
    Qps(d, d.queries, 1, raw_search(ef), &got);
    if (Recall(d, got) >= 0.95) break;
  }
  auto sluice_search = [&](VectorIndex* index) {
    return [&, index](const float* q, std::vector<uint64_t>* out) {
      sluice::vector::SearchParams params;
      params.ef_search = static_cast<int>(ef);
      auto r = index->Search(std::span<const float>(q, dim), kK, params);
      out->clear();
      for (const auto& nb : *r) out->push_back(nb.label);
    };
  };
  // Many short interleaved rounds, best of each: the machine is shared, so take the quietest.
  const int passes = std::max(1, static_cast<int>(5000 / d.nq() / std::max<size_t>(1, ef / 16)));
  auto raw_faiss_search = [&](const float* q, std::vector<uint64_t>* out) {
    faiss::SearchParametersHNSW params;
    params.efSearch = static_cast<int>(std::max(ef, kK));
    float distances[kK];
    faiss::Index::idx_t ids[kK];
    raw_faiss->search(1, q, kK, distances, ids, &params);
    out->assign(ids, ids + kK);
  };
  omp_set_num_threads(1);
  double raw_qps = 0, raw_recall = 0, raw_faiss_qps = 0, raw_faiss_recall = 0;
  for (int run = 0; run < 9; ++run) {
    raw_qps = std::max(raw_qps, Qps(d, d.queries, passes, raw_search(ef), &got));
    raw_recall = Recall(d, got);
    raw_faiss_qps = std::max(raw_faiss_qps, Qps(d, d.queries, passes, raw_faiss_search, &got));
    raw_faiss_recall = Recall(d, got);
    for (Variant& v : variants) {
      v.qps = std::max(v.qps, Qps(d, v.queries, passes, sluice_search(v.index.get()), &got));
      v.recall = Recall(d, got);
    }
  }
  std::printf("search_ef: %zu (k=%zu, single thread, %d x %zu queries)\n", ef, kK, passes, d.nq());
  std::printf("raw_hnswlib_search: %.0f qps recall@10=%.4f\n", raw_qps, raw_recall);
  std::printf("raw_faiss_hnswflat_search: %.0f qps (%.2fx raw hnswlib) recall@10=%.4f\n",
              raw_faiss_qps, raw_faiss_qps / raw_qps, raw_faiss_recall);
  for (const Variant& v : variants) {
    std::printf("sluice_%s_search: %.0f qps (%.2fx raw hnswlib) recall@10=%.4f\n", v.name, v.qps,
                v.qps / raw_qps, v.recall);
  }
  std::printf("knn_search_vs_raw_hnswlib: %.2fx\n", variants[0].qps / raw_qps);
  return 0;
}
