#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  int64_t flood_stage_free_bytes = -1;
  RemoteClusterFlags remote;
};

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

// Serves until SIGINT/SIGTERM; between signals, checkpoints the vector graphs
// now and then so a crash costs little start-up time (documents are durable anyway).
int ServeUntilSignal(const ServeFlags& flags, Engine& engine, sigset_t signals) {
  http::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.threads = flags.threads;
  options.max_content_length = flags.max_content_length;
  options.observer = HttpMetrics(engine.metrics());
  http::Server server(options, engine.router());
  if (util::Status s = server.Start(); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  spdlog::info("sluice listening url=http://{}:{} data_dir={}", flags.host, server.port(),
               engine.data_dir().string());
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
  serve->add_option("--threads", flags->threads, "HTTP worker threads (0: max(4, 2 x cores))")
      ->envname("SLUICE_THREADS")
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
