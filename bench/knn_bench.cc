// knn_bench: sluice VectorIndex against raw hnswlib on the same vectors, threads and parameters.
//
//   knn_bench [--data <sift-dataset-5k.tsv> | --random <n>] [--threads <n>]
//
// Prints build throughput for raw hnswlib (parallel addPoint) and VectorIndex::AddBatch, search
// QPS at the smallest ef giving recall@10 >= 0.95 for raw searchKnn and VectorIndex::Search
// (score conversion included), the two ratios, and FAISS figures for information. Best of three
// builds and nine interleaved search rounds each, to damp noise on a shared machine.
#include "raw_hnswlib.h"

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

using sluice::vector::Engine;
using sluice::vector::KnnMethod;
using sluice::vector::VectorIndex;
using Clock = std::chrono::steady_clock;

constexpr size_t kDim = 128;
constexpr int kM = 16;
constexpr int kEfConstruction = 200;
constexpr size_t kK = 10;

struct Data {
  std::vector<float> base, queries;
  std::vector<uint64_t> labels;
  std::vector<std::vector<uint64_t>> truth;
  size_t n() const { return labels.size(); }
  size_t nq() const { return queries.size() / kDim; }
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Data LoadSift(const std::string& path) {
  Data d;
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

Data MakeRandom(size_t n) {
  Data d;
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

std::unique_ptr<VectorIndex> BuildSluice(const Data& d, Engine engine, int threads,
                                         double* seconds) {
  KnnMethod m;
  m.engine = engine;
  m.dimension = kDim;
  m.m = kM;
  m.ef_construction = kEfConstruction;
  sluice::vector::VectorIndexOptions options;
  options.threads = threads;
  options.initial_capacity = d.n();
  auto start = Clock::now();
  auto index = std::move(sluice::vector::CreateVectorIndex(m, options)).value();
  auto status = index->AddBatch(d.labels, d.base);
  *seconds = Seconds(start);
  if (!status.ok()) {
    std::fprintf(stderr, "AddBatch failed: %s\n", status.ToString().c_str());
    std::exit(1);
  }
  return index;
}

// Runs all queries `passes` times; returns QPS and the results of the last pass.
template <typename SearchFn>
double Qps(const Data& d, int passes, SearchFn search, std::vector<std::vector<uint64_t>>* out) {
  out->assign(d.nq(), {});
  auto start = Clock::now();
  for (int p = 0; p < passes; ++p) {
    for (size_t q = 0; q < d.nq(); ++q) search(d.queries.data() + q * kDim, &(*out)[q]);
  }
  return static_cast<double>(passes * d.nq()) / Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_path = std::string(SLUICE_TESTDATA_DIR) + "/ann/ngt-sift5k/sift-dataset-5k.tsv";
  size_t random_n = 0;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data") data_path = argv[i + 1];
    if (flag == "--random") random_n = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
  }
  Data d = random_n ? MakeRandom(random_n) : LoadSift(data_path);
  if (d.n() == 0) {
    std::fprintf(stderr, "no vectors loaded\n");
    return 1;
  }
  ComputeTruth(&d);
  std::printf("knn_dataset: %s base=%zu queries=%zu dim=%zu m=%d ef_construction=%d threads=%d\n",
              random_n ? "random" : "sift5k", d.n(), d.nq(), kDim, kM, kEfConstruction, threads);

  hnswlib::L2Space space(kDim);
  double best_raw = 1e30, best_sluice = 1e30, best_faiss = 1e30, s = 0;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> raw;
  std::unique_ptr<VectorIndex> sluice_index, faiss_index;
  for (int run = 0; run < 3; ++run) {
    raw = BuildRaw(d, &space, threads, &s);
    best_raw = std::min(best_raw, s);
    sluice_index = BuildSluice(d, Engine::kNmslib, threads, &s);
    best_sluice = std::min(best_sluice, s);
    faiss_index = BuildSluice(d, Engine::kFaiss, threads, &s);
    best_faiss = std::min(best_faiss, s);
  }
  double n = static_cast<double>(d.n());
  std::printf("raw_hnswlib_build: %.0f vectors/s\n", n / best_raw);
  std::printf("sluice_hnswlib_build: %.0f vectors/s\n", n / best_sluice);
  std::printf("sluice_faiss_build: %.0f vectors/s\n", n / best_faiss);
  std::printf("knn_build_vs_raw_hnswlib: %.2fx\n", best_raw / best_sluice);

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
    Qps(d, 1, raw_search(ef), &got);
    if (Recall(d, got) >= 0.95) break;
  }
  auto sluice_search = [&](VectorIndex* index) {
    return [&, index](const float* q, std::vector<uint64_t>* out) {
      sluice::vector::SearchParams params;
      params.ef_search = static_cast<int>(ef);
      auto r = index->Search(std::span<const float>(q, kDim), kK, params);
      out->clear();
      for (const auto& nb : *r) out->push_back(nb.label);
    };
  };
  // Many short interleaved rounds, best of each: the machine is shared, so take the quietest.
  const int passes = std::max(1, static_cast<int>(5000 / d.nq() / std::max<size_t>(1, ef / 16)));
  double raw_qps = 0, sluice_qps = 0, faiss_qps = 0;
  double raw_recall = 0, sluice_recall = 0, faiss_recall = 0;
  for (int run = 0; run < 9; ++run) {
    raw_qps = std::max(raw_qps, Qps(d, passes, raw_search(ef), &got));
    raw_recall = Recall(d, got);
    sluice_qps = std::max(sluice_qps, Qps(d, passes, sluice_search(sluice_index.get()), &got));
    sluice_recall = Recall(d, got);
    faiss_qps = std::max(faiss_qps, Qps(d, passes, sluice_search(faiss_index.get()), &got));
    faiss_recall = Recall(d, got);
  }
  std::printf("search_ef: %zu (k=%zu, single thread, %d x %zu queries)\n", ef, kK, passes, d.nq());
  std::printf("raw_hnswlib_search: %.0f qps recall@10=%.4f\n", raw_qps, raw_recall);
  std::printf("sluice_hnswlib_search: %.0f qps recall@10=%.4f\n", sluice_qps, sluice_recall);
  std::printf("sluice_faiss_search: %.0f qps recall@10=%.4f\n", faiss_qps, faiss_recall);
  std::printf("knn_search_vs_raw_hnswlib: %.2fx\n", sluice_qps / raw_qps);
  return 0;
}
