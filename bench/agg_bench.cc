// agg_bench: a `terms` aggregation (size 10, no query) over N documents through
// sluice's search path (ExecuteSearch on the in-memory doc values) vs a
// straight scan of the same values held in a plain vector, counted in a hash
// map and the top 10 picked, in the same run. Reports the ratio
// (baseline time / sluice time; 1.0 = as fast as the plain scan).
//
//   build/bench/agg_bench [N=1000000] [distinct=1000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/index.h"
#include "search/search_request.h"
#include "storage/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// Zipf-like category names: a few frequent, a long tail.
std::vector<std::string> Categories(size_t n, size_t distinct) {
  std::mt19937 rng(42);
  std::vector<double> weights(distinct);
  for (size_t i = 0; i < distinct; ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::vector<std::string> out(n);
  for (auto& c : out) c = "category-" + std::to_string(pick(rng));
  return out;
}

template <typename F>
double BestOf(int runs, F&& f) {
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const size_t distinct = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const std::vector<std::string> values = Categories(n, distinct);

  fs::path dir = fs::temp_directory_path() / ("sluice-agg-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  auto store = sluice::storage::Store::Open({.path = dir.string(), .sync = false});
  if (!store.ok()) return 1;
  auto settings = sluice::index::IndexSettings::Parse("");
  auto mapping = sluice::index::Mapping::Parse(
      R"({"properties":{"category":{"type":"keyword"},"n":{"type":"long"}}})", false);
  auto index = sluice::index::Index::Create(store->get(), "bench", *settings, *mapping, {});
  if (!index.ok()) return 1;
  for (size_t begin = 0; begin < n; begin += 10000) {
    std::vector<sluice::index::WriteOp> ops;
    for (size_t i = begin; i < std::min(n, begin + 10000); ++i) {
      sluice::index::WriteOp op;
      op.id = std::to_string(i);
      op.source = "{\"category\":\"" + values[i] + "\",\"n\":" + std::to_string(i) + "}";
      ops.push_back(std::move(op));
    }
    for (const auto& r : (*index)->Write(std::move(ops))) {
      if (!r.status.ok()) return 1;
    }
  }

  auto request = sluice::search::ParseSearchRequest(
      R"({"size":0,"aggs":{"c":{"terms":{"field":"category","size":10}}}})");
  if (!request.ok()) return 1;
  std::string sluice_top;
  double sluice_s = BestOf(5, [&] {
    auto r = sluice::search::ExecuteSearch(*request, {*index});
    if (!r.ok()) std::exit(1);
    sluice_top = r->aggregations->substr(0, 120);
  });

  size_t checksum = 0;
  double scan_s = BestOf(5, [&] {
    std::unordered_map<std::string_view, uint64_t> counts;
    for (const auto& v : values) ++counts[v];
    std::vector<std::pair<std::string_view, uint64_t>> top(counts.begin(), counts.end());
    size_t k = std::min<size_t>(10, top.size());
    std::partial_sort(top.begin(), top.begin() + k, top.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    checksum += top[0].second;
  });

  std::printf("docs=%zu distinct=%zu\n", n, distinct);
  std::printf("sluice terms agg: %.1f ms  (%s...)\n", sluice_s * 1000, sluice_top.c_str());
  std::printf("plain scan + hash count: %.1f ms (checksum %zu)\n", scan_s * 1000, checksum);
  std::printf("terms_agg_vs_scan: %.2fx\n", scan_s / sluice_s);
  index->reset();
  store->reset();
  fs::remove_all(dir);
  return 0;
}
