// bulk_bench: documents/s through sluice's write path for ~1 KB documents (the
// path _bulk uses, HTTP excluded: mapping validation, dynamic fields, one synced
// RocksDB batch per 1000-document request, in-memory tables) vs raw RocksDB
// synced batches of the same bytes, in the same run.
//
//   build/bench/bulk_bench [N=100000]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "index/catalog.h"
#include "storage/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr size_t kBatch = 1000;

std::string Document(size_t i, std::mt19937& rng) {
  static const char* kWords[] = {"vector", "search", "batch", "ingest", "embedding", "model",
                                 "chapter", "harry", "potter", "draco", "index", "shard"};
  std::string text;
  while (text.size() < 850) {
    text += kWords[rng() % 12];
    text += ' ';
  }
  return "{\"title\":\"document " + std::to_string(i) + "\",\"category\":\"c" +
         std::to_string(i % 50) + "\",\"price\":" + std::to_string(i % 997) +
         ",\"in_stock\":" + (i % 3 ? "true" : "false") + ",\"published\":\"2024-0" +
         std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + "\",\"body\":\"" + text +
         "\"}";
}

fs::path TempDir(const char* what) {
  fs::path dir = fs::temp_directory_path() /
                 (std::string("sluice-bulk-bench-") + what + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

double RawRocksDb(const std::vector<std::string>& docs) {
  fs::path dir = TempDir("raw");
  auto store = sluice::storage::Store::Open({.path = dir.string()});
  auto start = Clock::now();
  for (size_t begin = 0; begin < docs.size(); begin += kBatch) {
    sluice::storage::WriteBatch batch;
    for (size_t i = begin; i < std::min(docs.size(), begin + kBatch); ++i) {
      batch.Put(sluice::storage::Column::kDocs, "bench\0" + std::to_string(i), docs[i]);
    }
    if (!(*store)->Write(batch).ok()) std::exit(1);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  store->reset();
  fs::remove_all(dir);
  return seconds;
}

double SluiceWritePath(const std::vector<std::string>& docs) {
  fs::path dir = TempDir("sluice");
  auto store = sluice::storage::Store::Open({.path = dir.string()});
  auto catalog = sluice::index::Catalog::Open(store->get(), {});
  auto index = (*catalog)->Create(
      "bench", R"({"mappings":{"properties":{"title":{"type":"text"},"category":{"type":"keyword"},)"
               R"("price":{"type":"integer"},"in_stock":{"type":"boolean"},)"
               R"("published":{"type":"date"},"body":{"type":"text"}}}})");
  if (!index.ok()) {
    std::fprintf(stderr, "%s\n", index.status().ToString().c_str());
    std::exit(1);
  }
  auto start = Clock::now();
  for (size_t begin = 0; begin < docs.size(); begin += kBatch) {
    std::vector<sluice::index::WriteOp> ops;
    for (size_t i = begin; i < std::min(docs.size(), begin + kBatch); ++i) {
      ops.push_back({.type = sluice::index::OpType::kIndex, .id = std::to_string(i), .source = docs[i],
                   .if_seq_no = std::nullopt, .if_primary_term = std::nullopt});
    }
    for (const auto& r : (*index)->Write(std::move(ops))) {
      if (!r.status.ok()) {
        std::fprintf(stderr, "%s\n", r.status.ToString().c_str());
        std::exit(1);
      }
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  index->reset();
  catalog->reset();
  store->reset();
  fs::remove_all(dir);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  std::mt19937 rng(7);
  std::vector<std::string> docs;
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    docs.push_back(Document(i, rng));
    bytes += docs.back().size();
  }
  std::printf("bulk_bench: %zu documents, %.0f bytes each on average, batches of %zu\n", n,
              static_cast<double>(bytes) / n, kBatch);
  double raw = 1e30, ours = 1e30;
  for (int round = 0; round < 2; ++round) {
    raw = std::min(raw, RawRocksDb(docs));
    ours = std::min(ours, SluiceWritePath(docs));
  }
  std::printf("raw RocksDB synced batches: %.0f docs/s\n", n / raw);
  std::printf("sluice write path:          %.0f docs/s\n", n / ours);
  std::printf("bulk_vs_raw_rocksdb: %.2fx\n", raw / ours);
  return 0;
}
