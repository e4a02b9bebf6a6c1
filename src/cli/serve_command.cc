#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/rest_response.h"
#include "cli/engine.h"
#include "cli/remote_cluster_flags.h"
#include "http/server.h"
#include "index/catalog.h"
#include "metrics/registry.h"

namespace sluice::cli {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 9200;
  std::string data_dir = "./data";
  std::vector<std::string> file_roots;
  std::string s3_endpoint;
  std::string openai_base_url = "https://api.openai.com/v1";
  std::vector<std::string> allowed_source_hosts;
  int max_running_tasks = 2;
  int checkpoint_interval_s = 60;
  std::string log_level = "info";
  size_t max_content_length = 100u << 20;
  size_t threads = 0;
  size_t management_threads = 0;
  size_t search_threads = 0;
  size_t write_threads = 0;
  size_t search_queue_size = 1000;
  size_t write_queue_size = 1000;
  int queue_timeout_s = 60;
  size_t max_connections = 0;
  size_t max_in_flight_bytes = 0;
  int idle_timeout_s = 30;
  int64_t flood_stage_free_bytes = -1;
  size_t memory_budget = 0;
  RemoteClusterFlags remote;
};

// --memory-budget, or half of the machine's physical memory when 0.
size_t MemoryBudget(const ServeFlags& flags) {
  if (flags.memory_budget != 0) return flags.memory_budget;
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return size_t{4} << 30;
  return static_cast<size_t>(pages) * static_cast<size_t>(page) / 2;
}

// Counts every answered request by method, route pattern (not the raw path)
// and status, and times it. Every label has a bounded set of values.
std::function<void(const http::RequestStats&)> HttpMetrics(metrics::Registry* registry) {
  return [registry](const http::RequestStats& stats) {
    std::string route = stats.route.empty() ? "unmatched" : std::string(stats.route);
    // Any token is a valid method on the wire; only the known ones become labels.
    std::string method = "other";
    for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      if (stats.method == known) method = std::string(known);
    }
    metrics::Labels labels{{"method", method}, {"route", route}};
    metrics::Labels with_status = labels;
    with_status.emplace_back("status", std::to_string(stats.status));
    registry->GetCounter("sluice_http_requests_total", "HTTP requests answered.", with_status)
        ->Inc();
    registry
        ->GetHistogram("sluice_http_request_duration_seconds",
                       "Time from a request's complete header to its response being sent.",
                       metrics::DefaultLatencyBuckets(), labels)
        ->Observe(stats.seconds);
  };
}

// The transport's admission counters and pool states, read at scrape time.
// `live` is cleared once the server has stopped (its pools, which run the
// scrapes, are joined by then).
void AddServerCollector(metrics::Registry* registry,
                        std::shared_ptr<std::atomic<const http::Server*>> live) {
  registry->AddCollector([live](metrics::Scrape& scrape) {
    const http::Server* server = live->load();
    if (server == nullptr) return;
    http::ServerStats st = server->GetStats();
    auto d = [](auto v) { return static_cast<double>(v); };
    scrape.Gauge("sluice_http_open_connections", "Open HTTP connections.", {},
                 d(st.open_connections));
    scrape.Gauge("sluice_http_in_flight_bytes", "Request body bytes being read or handled.", {},
                 d(st.in_flight_bytes));
    scrape.Gauge("sluice_http_in_flight_limit_bytes", "The in-flight request bytes limit.", {},
                 d(st.in_flight_limit));
    scrape.Counter("sluice_http_breaker_tripped_total",
                   "Requests refused with 429 circuit_breaking_exception (in-flight bytes).", {},
                   d(st.breaker_trips));
    scrape.Counter("sluice_http_rejected_total",
                   "Requests refused with 429 rejected_execution_exception (pool queues).", {},
                   d(st.rejected));
    scrape.Counter("sluice_http_connections_refused_total",
                   "Connections closed at once: over --max-connections.", {},
                   d(st.connections_refused));
    scrape.Counter("sluice_http_accept_errors_total", "Failed accept() calls (EMFILE, ...).", {},
                   d(st.accept_errors));
    for (size_t i = 0; i < http::kPoolCount; ++i) {
      metrics::Labels pool{{"pool", std::string(http::PoolName(static_cast<http::Pool>(i)))}};
      const auto& p = st.pools[i];
      scrape.Gauge("sluice_http_pool_threads", "Threads of a handler pool.", pool, d(p.threads));
      scrape.Gauge("sluice_http_pool_active", "Requests running on a handler pool.", pool,
                   d(p.active));
      scrape.Gauge("sluice_http_pool_queued", "Requests waiting for a handler pool.", pool,
                   d(p.queued));
      scrape.Counter("sluice_http_pool_completed_total", "Requests a handler pool has run.", pool,
                     d(p.completed));
    }
  });
}

// Serves until SIGINT/SIGTERM; between signals, checkpoints the vector graphs
// now and then so a crash costs little start-up time (documents are durable anyway).
int ServeUntilSignal(const ServeFlags& flags, Engine& engine, sigset_t signals) {
  http::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.threads = flags.threads;
  options.max_content_length = flags.max_content_length;
  options.management_pool.threads = flags.management_threads;
  options.search_pool.threads = flags.search_threads;
  options.search_pool.queue_size = flags.search_queue_size;
  options.write_pool.threads = flags.write_threads;
  options.write_pool.queue_size = flags.write_queue_size;
  options.queue_timeout = std::chrono::seconds(flags.queue_timeout_s);
  options.max_connections = flags.max_connections;
  options.max_in_flight_bytes =
      flags.max_in_flight_bytes != 0 ? flags.max_in_flight_bytes : MemoryBudget(flags) / 5;
  options.idle_timeout = std::chrono::seconds(flags.idle_timeout_s);
  options.error_response = api::ErrorResponse;
  options.observer = HttpMetrics(engine.metrics());
  http::Server server(options, engine.router());
  if (util::Status s = server.Start(); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  auto live = std::make_shared<std::atomic<const http::Server*>>(&server);
  AddServerCollector(engine.metrics(), live);
  http::ServerStats limits = server.GetStats();
  spdlog::info("sluice listening url=http://{}:{} data_dir={} max_in_flight_bytes={}",
               flags.host, server.port(), engine.data_dir().string(), limits.in_flight_limit);
  int sig = 0;
  const timespec interval{flags.checkpoint_interval_s, 0};
  while ((sig = sigtimedwait(&signals, nullptr, &interval)) < 0) {
    if (errno != EAGAIN && errno != EINTR) break;
    if (util::Status s = engine.catalog()->CheckpointAll(); !s.ok()) {
      spdlog::warn("event=graph_checkpoint_failed reason=\"{}\"", s.ToString());
    }
  }
  spdlog::info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  live->store(nullptr);
  return 0;
}

int Serve(const ServeFlags& flags) {
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  // Signals are taken synchronously by this thread (sigwait); every thread
  // started below inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  EngineOptions options;
  options.data_dir = flags.data_dir;
  options.sources.file_roots = flags.file_roots;
  options.sources.s3_endpoint = flags.s3_endpoint;
  options.sources.openai_base_url = flags.openai_base_url;
  options.sources.allowed_http_hosts = flags.allowed_source_hosts;
  options.tasks.max_running = flags.max_running_tasks;
  options.flood_stage_free_bytes = flags.flood_stage_free_bytes;
  // The memory budget's shares: RocksDB's block cache and memtables a
  // sixteenth each, HTTP in-flight bytes a fifth (ServeUntilSignal); the rest
  // is for the vector graphs, ingestion queues and search.
  const size_t budget = MemoryBudget(flags);
  options.block_cache_bytes = std::max<size_t>(8u << 20, budget / 16);
  options.write_buffer_bytes = std::max<size_t>(16u << 20, budget / 16);
  spdlog::info("event=memory_budget bytes={} block_cache_bytes={} write_buffer_bytes={}", budget,
               options.block_cache_bytes, options.write_buffer_bytes);
  if (!flags.remote.url.empty()) {
    auto sinks = RemoteSinkFactory(flags.remote, &options.ingest);
    if (!sinks.ok()) {
      spdlog::error("event=start_failed reason=\"{}\"", sinks.status().ToString());
      return 1;
    }
    options.sinks = std::move(*sinks);
  }
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", engine.status().ToString());
    return 1;
  }
  int rc = ServeUntilSignal(flags, **engine, signals);
  // Stops the task workers (running jobs keep their checkpoints and resume at
  // the next start), checkpoints the graphs and closes the store.
  engine->reset();
  spdlog::info("event=stopped");
  return rc;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the OpenSearch-compatible server");
  serve->footer(
      "Every flag can also be set with an environment variable SLUICE_<FLAG>, e.g. "
      "SLUICE_PORT=9201.\n\nExample:\n  sluice serve --port 9200 --data-dir ./data\n  curl "
      "localhost:9200/_cluster/health");
  serve->add_option("--host", flags->host, "Address to listen on")
      ->envname("SLUICE_HOST")
      ->capture_default_str();
  serve->add_option("--port", flags->port, "Port to listen on (0: any free port)")
      ->envname("SLUICE_PORT")
      ->capture_default_str();
  serve->add_option("--data-dir", flags->data_dir, "Data directory (created if missing)")
      ->envname("SLUICE_DATA_DIR")
      ->capture_default_str();
  serve->add_option("--file-root", flags->file_roots,
                    "Directory local batch-ingestion files must lie under (repeatable; default "
                    "<data-dir>/import)")
      ->envname("SLUICE_FILE_ROOT");
  serve->add_option("--s3-endpoint", flags->s3_endpoint,
                    "S3-compatible endpoint URL (MinIO, Ceph, localstack), path-style; default AWS")
      ->envname("SLUICE_S3_ENDPOINT");
  serve->add_option("--openai-base-url", flags->openai_base_url, "OpenAI API base URL")
      ->envname("SLUICE_OPENAI_BASE_URL")
      ->capture_default_str();
  serve->add_option("--allow-source-host", flags->allowed_source_hosts,
                    "Host pattern that data_source type http may fetch from (repeatable; "
                    "\"*.example.com\", \"host:port\"); none by default")
      ->envname("SLUICE_ALLOW_SOURCE_HOST");
  serve->add_option("--max-running-tasks", flags->max_running_tasks,
                    "Batch ingestion tasks running at once; more wait as CREATED")
      ->envname("SLUICE_MAX_RUNNING_TASKS")
      ->capture_default_str();
  serve->add_option("--checkpoint-interval", flags->checkpoint_interval_s,
                    "Seconds between vector graph checkpoints (graphs are also saved at shutdown)")
      ->envname("SLUICE_CHECKPOINT_INTERVAL")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error")
      ->envname("SLUICE_LOG_LEVEL")
      ->capture_default_str();
  serve->add_option("--max-content-length", flags->max_content_length,
                    "Largest request body in bytes (http.max_content_length)")
      ->envname("SLUICE_MAX_CONTENT_LENGTH")
      ->capture_default_str();
  serve->add_option("--threads", flags->threads,
                    "HTTP I/O threads (reading and writing only; handlers run on the pools; 0: 2)")
      ->envname("SLUICE_THREADS")
      ->capture_default_str();
  serve->add_option("--management-threads", flags->management_threads,
                    "Threads for GET /, _cluster/health, _cat, tasks, metrics, index admin "
                    "(0: max(2, min(5, cores)))")
      ->envname("SLUICE_MANAGEMENT_THREADS")
      ->capture_default_str();
  serve->add_option("--search-threads", flags->search_threads,
                    "Threads for _search, _count and document reads (0: cores * 3 / 2 + 1)")
      ->envname("SLUICE_SEARCH_THREADS")
      ->capture_default_str();
  serve->add_option("--write-threads", flags->write_threads,
                    "Threads for _bulk, document writes, _refresh and _batch_ingestion (0: cores)")
      ->envname("SLUICE_WRITE_THREADS")
      ->capture_default_str();
  serve->add_option("--search-queue-size", flags->search_queue_size,
                    "Search requests waiting for a thread; more are refused with 429")
      ->envname("SLUICE_SEARCH_QUEUE_SIZE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--write-queue-size", flags->write_queue_size,
                    "Write requests waiting for a thread; more are refused with 429")
      ->envname("SLUICE_WRITE_QUEUE_SIZE")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--queue-timeout", flags->queue_timeout_s,
                    "Seconds a request may wait for a thread before it is refused with 429 (0: "
                    "no limit)")
      ->envname("SLUICE_QUEUE_TIMEOUT")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve->add_option("--max-connections", flags->max_connections,
                    "Open HTTP connections beyond which new ones are closed (0: half of ulimit -n)")
      ->envname("SLUICE_MAX_CONNECTIONS")
      ->capture_default_str();
  serve->add_option("--max-in-flight-bytes", flags->max_in_flight_bytes,
                    "Request body bytes being read or handled at once; more: 429 "
                    "circuit_breaking_exception (0: 10% of physical memory; suffixes kb, mb, gb)")
      ->envname("SLUICE_MAX_IN_FLIGHT_BYTES")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  serve
      ->add_option("--memory-budget", flags->memory_budget,
                   "Memory sluice plans for: RocksDB's block cache and write buffers get a "
                   "sixteenth each, HTTP in-flight bytes a fifth unless --max-in-flight-bytes "
                   "is set (0: half of physical memory; suffixes kb, mb, gb)")
      ->envname("SLUICE_MEMORY_BUDGET")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  serve->add_option("--http-idle-timeout", flags->idle_timeout_s,
                    "Seconds an idle keep-alive connection stays open")
      ->envname("SLUICE_HTTP_IDLE_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--disk-flood-stage-free-bytes", flags->flood_stage_free_bytes,
                   "Writes are refused with 429 while the data directory's filesystem has less "
                   "free space (-1: 5% of it, at most 1 GiB; 0: never)")
      ->envname("SLUICE_DISK_FLOOD_STAGE_FREE_BYTES")
      ->check(CLI::Range(int64_t{-1}, INT64_MAX))
      ->capture_default_str();
  AddRemoteClusterFlags(serve, &flags->remote, "--remote-cluster");
  serve->callback([flags]() {
    int rc = Serve(*flags);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sluice::cli
