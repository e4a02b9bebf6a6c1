// knn_bulk_bench: vectors/s through sluice's write path (the one _bulk and batch
// ingestion use: mapping validation, one synced RocksDB batch per request, graph
// insertion on all cores) vs raw hnswlib addPoint on the same vectors with the same
// threads and parameters, in the same run. HTTP is excluded.
//
//   build/bench/knn_bulk_bench [N=20000] [DIM=128]
#include "raw_hnswlib.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "index/catalog.h"
#include "storage/store.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double RawHnswlib(const std::vector<float>& data, size_t n, size_t dim, int threads) {
  hnswlib::L2Space space(dim);
  hnswlib::HierarchicalNSW<float> graph(&space, n, 16, 200, 100);
  std::atomic<size_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) graph.addPoint(&data[i * dim], i);
    });
  }
  for (auto& w : workers) w.join();
  return Seconds(start);
}

double SluiceWritePath(const std::vector<float>& data, size_t n, size_t dim, int threads) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sluice-knn-bulk-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  auto store = sluice::storage::Store::Open({.path = (dir / "rocksdb").string()});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  sluice::index::IndexOptions options;
  options.vector_threads = threads;
  auto catalog = sluice::index::Catalog::Open(store->get(), options);
  std::string body = R"({"settings":{"index.knn":true},"mappings":{"properties":{"v":{)"
                     R"("type":"knn_vector","dimension":)" +
                     std::to_string(dim) +
                     R"(,"method":{"name":"hnsw","engine":"nmslib","space_type":"l2",)"
                     R"("parameters":{"m":16,"ef_construction":200}}}}}})";
  auto index = (*catalog)->Create("bench", body);
  if (!index.ok()) {
    std::fprintf(stderr, "%s\n", index.status().ToString().c_str());
    std::exit(1);
  }
  // Requests of 1000 documents, as a _bulk client would send; the JSON is
  // made before timing, as a client would have it ready.
  const size_t kBatch = 1000;
  std::vector<std::vector<sluice::index::WriteOp>> batches;
  for (size_t start = 0; start < n; start += kBatch) {
    std::vector<sluice::index::WriteOp> ops;
    for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
      std::string source = "{\"v\":[";
      for (size_t d = 0; d < dim; ++d) {
        if (d) source += ',';
        source += std::to_string(data[i * dim + d]);
      }
      source += "]}";
      ops.push_back({.type = sluice::index::OpType::kIndex,
                     .id = std::to_string(i),
                     .source = std::move(source),
                     .if_seq_no = std::nullopt,
                     .if_primary_term = std::nullopt});
    }
    batches.push_back(std::move(ops));
  }
  auto start = Clock::now();
  for (auto& ops : batches) {
    for (const auto& r : (*index)->Write(std::move(ops))) {
      if (!r.status.ok()) {
        std::fprintf(stderr, "write failed: %s\n", r.status.ToString().c_str());
        std::exit(1);
      }
    }
  }
  double seconds = Seconds(start);
  index->reset();
  catalog->reset();
  store->reset();
  fs::remove_all(dir);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  size_t dim = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 128;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> data(n * dim);
  for (auto& x : data) x = uniform(rng);
  std::printf("knn_bulk_bench: %zu vectors, dim %zu, m 16, ef_construction 200, %d threads\n", n,
              dim, threads);
  // Interleaved rounds, best of each: the machines are shared and noisy.
  double raw = 1e30, ours = 1e30;
  for (int round = 0; round < 2; ++round) {
    raw = std::min(raw, RawHnswlib(data, n, dim, threads));
    ours = std::min(ours, SluiceWritePath(data, n, dim, threads));
  }
  std::printf("raw hnswlib addPoint:   %.0f vectors/s\n", n / raw);
  std::printf("sluice write path:      %.0f vectors/s\n", n / ours);
  std::printf("knn_bulk_vs_raw_hnswlib: %.2fx\n", raw / ours);
  return 0;
}
