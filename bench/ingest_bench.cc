// ingest_bench: batch ingestion through the real service (BatchIngestService →
// task → JSONL file → RecordMapper → LocalIndexSink → RocksDB + hnswlib graphs)
// against raw hnswlib addPoint of the same vectors with the same threads.
//
//   ingest_bench [--n <records>] [--threads <n>] [--rounds <r>]
//
// Generates N records shaped like the seed's SageMaker output (two 384-d
// vectors + two texts + id) as a local JSONL file; the index is the seed's
// my-nlp-index (hnsw, nmslib, cosinesimil, m=16, ef_construction=512). Prints
// docs/s for both, `ingest_vs_raw_hnswlib: 0.xx` (target >= 0.85), and the
// ingest's peak RSS (VmHWM, measured in a child process per run) for N/10 and N
// records. Raw and ingest runs alternate for `rounds` rounds (default 2) and the
// best of each counts, to damp the noise of a shared machine. Default N = 5000
// (about a minute on 2 busy cores).
#include "raw_hnswlib.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "index/catalog.h"
#include "index/index.h"
#include "ingest/batch_ingest_service.h"
#include "sources/source_catalog.h"
#include "storage/store.h"
#include "tasks/task_manager.h"
#include "vector/vector_index.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kDim = 384;
constexpr int kM = 16;
constexpr int kEfConstruction = 512;

constexpr char kMapping[] = R"({"settings":{"index.knn":true},"mappings":{"properties":{
  "id":{"type":"text"},
  "chapter_embedding":{"type":"knn_vector","dimension":384,"method":{"engine":"nmslib",
    "space_type":"cosinesimil","name":"hnsw","parameters":{"ef_construction":512,"m":16}}},
  "chapter":{"type":"text"},
  "title_embedding":{"type":"knn_vector","dimension":384,"method":{"engine":"nmslib",
    "space_type":"cosinesimil","name":"hnsw","parameters":{"ef_construction":512,"m":16}}},
  "title":{"type":"text"}}}})";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long VmHwmKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Seed-shaped JSONL: {"SageMakerOutput":[[..384..],[..384..]],"content":[...],"id":i}.
// Returns the vectors (2 per record), for the raw baseline.
std::vector<float> WriteRecords(const fs::path& path, size_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> vectors(n * 2 * kDim);
  for (float& v : vectors) v = dist(rng);
  std::ofstream out(path);
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    out << "{\"SageMakerOutput\":[";
    for (int f = 0; f < 2; ++f) {
      out << (f ? ",[" : "[");
      const float* v = &vectors[(i * 2 + static_cast<size_t>(f)) * kDim];
      for (int d = 0; d < kDim; ++d) {
        std::snprintf(buf, sizeof buf, d ? ",%.6g" : "%.6g", static_cast<double>(v[d]));
        out << buf;
      }
      out << "]";
    }
    out << "],\"content\":[\"this is chapter " << i << "\",\"title " << i << "\"],\"id\":" << i
        << "}\n";
  }
  return vectors;
}

// Raw hnswlib: both fields' graphs built by `threads` threads calling addPoint,
// vectors normalized first as cosinesimil does. Returns seconds.
double RawHnswlib(const std::vector<float>& vectors, size_t n, int threads) {
  std::vector<float> normalized(vectors);
  for (size_t i = 0; i < n * 2; ++i) {
    float* v = &normalized[i * kDim];
    float norm = 0;
    for (int d = 0; d < kDim; ++d) norm += v[d] * v[d];
    norm = std::sqrt(norm);
    for (int d = 0; d < kDim; ++d) v[d] /= norm;
  }
  hnswlib::InnerProductSpace space(kDim);
  auto start = Clock::now();
  for (int field = 0; field < 2; ++field) {
    hnswlib::HierarchicalNSW<float> graph(&space, n, kM, kEfConstruction, 100);
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++) {
          graph.addPoint(&normalized[(i * 2 + static_cast<size_t>(field)) * kDim], i);
        }
      });
    }
    for (auto& t : pool) t.join();
  }
  return Seconds(start);
}

// The child: ingests `file` (n records) through the service into a fresh data
// dir and prints "seconds <s> written <n> vmhwm_kib <k>".
int ChildIngest(const fs::path& file, size_t n, int threads) {
  fs::path dir = file.parent_path() / ("data-" + std::to_string(getpid()));
  auto store = sluice::storage::Store::Open({.path = (dir / "rocksdb").string()});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  sluice::index::IndexOptions index_options;
  index_options.vector_threads = threads;
  auto catalog = sluice::index::Catalog::Open(store->get(), index_options);
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str()), 1;
  if (auto idx = (*catalog)->Create("my-nlp-index", kMapping); !idx.ok()) {
    return std::fprintf(stderr, "%s\n", idx.status().ToString().c_str()), 1;
  }
  sluice::sources::SourcesOptions source_options;
  source_options.file_roots = {file.parent_path().string()};
  sluice::sources::SourceCatalog sources(source_options);
  int rc = 0;
  {
    sluice::tasks::TaskManager tasks(store->get(), {.max_running = 1});
    sluice::ingest::BatchIngestService service(sluice::ingest::LocalSinkFactory(catalog->get()),
                                               &sources, store->get(), &tasks, {});
    std::string body = R"({"index_name":"my-nlp-index","field_map":{"chapter":"$.content[0]",
      "title":"$.content[1]","chapter_embedding":"$.SageMakerOutput[0]",
      "title_embedding":"$.SageMakerOutput[1]","_id":"$.id"},"ingest_fields":["$.id"],
      "data_source":{"type":"file","source":[")" + file.string() + R"("]}})";
    auto start = Clock::now();
    auto id = service.Submit(body);
    if (!id.ok()) return std::fprintf(stderr, "%s\n", id.status().ToString().c_str()), 1;
    auto record = tasks.Wait(*id);
    double seconds = Seconds(start);
    if (!record.ok() || record->state != sluice::tasks::TaskState::kCompleted) {
      std::fprintf(stderr, "task did not complete: %s\n",
                   record.ok() ? record->error.value_or("").c_str()
                               : record.status().ToString().c_str());
      rc = 1;
    }
    // Every record's two vectors must be in the graphs, or the timing means nothing.
    if (auto index = (*catalog)->Get("my-nlp-index"); index.ok()) {
      sluice::index::Index::ReadGuard guard(**index);
      for (const char* field : {"chapter_embedding", "title_embedding"}) {
        size_t in_graph = (*index)->vectors(field)->Size();
        if (in_graph != n) {
          std::fprintf(stderr, "graph %s holds %zu vectors, expected %zu\n", field, in_graph, n);
          rc = 1;
        }
      }
    }
    std::printf("seconds %.3f written %zu vmhwm_kib %ld\n", seconds, n, VmHwmKiB());
  }
  catalog->reset();
  store->reset();
  fs::remove_all(dir);
  return rc;
}

struct ChildResult {
  double seconds = 0;
  long vmhwm_kib = 0;
};

// Runs ChildIngest in a fresh process (so its VmHWM is the ingest's alone).
bool RunChild(const char* self, const fs::path& file, size_t n, int threads, ChildResult* out) {
  std::string cmd = std::string(self) + " --child " + file.string() + " " + std::to_string(n) +
                    " " + std::to_string(threads);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return false;
  char line[256];
  bool ok = false;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    size_t written = 0;
    if (std::sscanf(line, "seconds %lf written %zu vmhwm_kib %ld", &out->seconds, &written,
                    &out->vmhwm_kib) == 3) {
      ok = true;
    }
  }
  int status = pclose(pipe);
  return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 5000;
  int rounds = 2;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--child" && i + 3 < argc) {
      return ChildIngest(argv[i + 1], std::strtoull(argv[i + 2], nullptr, 10),
                         std::atoi(argv[i + 3]));
    } else if (arg == "--n" && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--n <records>] [--threads <n>] [--rounds <r>]\n", argv[0]);
      return 2;
    }
  }
  fs::path dir = fs::temp_directory_path() / ("ingest_bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const size_t small = std::max<size_t>(1, n / 10);
  fs::path big_file = dir / "big.jsonl";
  fs::path small_file = dir / "small.jsonl";
  std::vector<float> vectors = WriteRecords(big_file, n);
  WriteRecords(small_file, small);
  std::printf("records %zu (and %zu), dim %d x 2 fields, m %d, ef_construction %d, threads %d\n",
              n, small, kDim, kM, kEfConstruction, threads);
  std::printf("input_bytes %ju (and %ju)\n", static_cast<uintmax_t>(fs::file_size(big_file)),
              static_cast<uintmax_t>(fs::file_size(small_file)));

  ChildResult small_run;
  if (!RunChild(argv[0], small_file, small, threads, &small_run)) {
    std::fprintf(stderr, "ingest run failed\n");
    fs::remove_all(dir);
    return 1;
  }
  ChildResult big_run;
  double raw = 0;
  for (int round = 0; round < rounds; ++round) {
    double raw_round = RawHnswlib(vectors, n, threads);
    ChildResult run;
    if (!RunChild(argv[0], big_file, n, threads, &run)) {
      std::fprintf(stderr, "ingest run failed\n");
      fs::remove_all(dir);
      return 1;
    }
    std::printf("round %d: raw %.2f s, ingest %.2f s\n", round + 1, raw_round, run.seconds);
    if (round == 0 || raw_round < raw) raw = raw_round;
    if (round == 0 || run.seconds < big_run.seconds) big_run.seconds = run.seconds;
    big_run.vmhwm_kib = std::max(big_run.vmhwm_kib, run.vmhwm_kib);
  }
  fs::remove_all(dir);

  double ingest_rate = static_cast<double>(n) / big_run.seconds;
  double raw_rate = static_cast<double>(n) / raw;
  std::printf("raw_hnswlib_addPoint: %.1f docs/s (best %.2f s, 2 graphs)\n", raw_rate, raw);
  std::printf("ingest_to_completed: %.1f docs/s (best %.2f s)\n", ingest_rate, big_run.seconds);
  std::printf("ingest_vs_raw_hnswlib: %.2f (target >= 0.85)\n", ingest_rate / raw_rate);
  std::printf("peak_rss_mib: %.1f for %zu records, %.1f for %zu records\n",
              static_cast<double>(small_run.vmhwm_kib) / 1024.0, small,
              static_cast<double>(big_run.vmhwm_kib) / 1024.0, n);
  return 0;
}
