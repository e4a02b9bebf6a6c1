// knn_raw_qps: the raw hnswlib baseline of bench/knn_http_bench.mjs (run by hand).
//
//   knn_raw_qps <base.f32> <queries.f32> <dim> <m> <ef_construction> <ef> <seconds> <threads>...
//
// Builds a raw hnswlib L2 graph of the little-endian float32 rows of base.f32
// (labels = row numbers), then for each thread count runs searchKnn(k=10) at
// `ef` over the queries, round-robin, for `seconds`, and prints
// "raw_qps threads=<t> qps=<q> cpu_us_per_query=<c>" (process CPU time, user + system,
// over the queries: unlike QPS, barely moved by other processes on a shared machine).
// Last, prints the top-10 labels of every query ("labels q l0 ... l9") so that the
// caller measures recall as for HTTP.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "raw_hnswlib.h"

namespace {

std::vector<float> ReadFloats(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> out(bytes.size() / sizeof(float));
  std::copy(bytes.begin(), bytes.begin() + static_cast<long>(out.size() * sizeof(float)),
            reinterpret_cast<char*>(out.data()));
  return out;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 9) {
    std::fprintf(stderr,
                 "usage: knn_raw_qps base.f32 queries.f32 dim m ef_construction ef seconds "
                 "threads...\n");
    return 2;
  }
  const std::vector<float> base = ReadFloats(argv[1]);
  const std::vector<float> queries = ReadFloats(argv[2]);
  const size_t dim = std::strtoul(argv[3], nullptr, 10);
  const size_t m = std::strtoul(argv[4], nullptr, 10);
  const size_t efc = std::strtoul(argv[5], nullptr, 10);
  const size_t ef = std::strtoul(argv[6], nullptr, 10);
  const double seconds = std::atof(argv[7]);
  const size_t n = base.size() / dim, nq = queries.size() / dim;
  hnswlib::L2Space space(dim);
  hnswlib::HierarchicalNSW<float> graph(&space, n, m, efc, 100);
  std::atomic<size_t> next{0};
  auto add = [&] {
    for (size_t i = next++; i < n; i = next++) graph.addPoint(base.data() + i * dim, i);
  };
  std::thread helper(add);
  add();
  helper.join();
  graph.setEf(ef);
  for (int a = 8; a < argc; ++a) {
    const int threads = std::atoi(argv[a]);
    std::atomic<uint64_t> done{0};
    const double cpu0 = CpuSeconds();
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    auto run = [&](int t) {
      uint64_t local = 0;
      for (size_t q = static_cast<size_t>(t); std::chrono::steady_clock::now() < until;
           q = (q + static_cast<size_t>(threads)) % nq) {
        auto res = graph.searchKnn(queries.data() + q * dim, 10);
        local += res.size() > 0 ? 1 : 0;
      }
      done += local;
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(run, t);
    run(0);
    for (auto& t : pool) t.join();
    const double cpu = CpuSeconds() - cpu0;
    std::printf("raw_qps threads=%d qps=%.0f cpu_us_per_query=%.1f\n", threads,
                static_cast<double>(done) / seconds, cpu * 1e6 / static_cast<double>(done));
  }
  for (size_t q = 0; q < nq; ++q) {
    auto res = graph.searchKnn(queries.data() + q * dim, 10);
    std::vector<size_t> labels;
    while (!res.empty()) {
      labels.push_back(res.top().second);
      res.pop();
    }
    std::reverse(labels.begin(), labels.end());
    std::printf("labels %zu", q);
    for (size_t l : labels) std::printf(" %zu", l);
    std::printf("\n");
  }
  return 0;
}
