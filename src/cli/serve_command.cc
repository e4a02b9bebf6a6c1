#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/routes.h"
#include "http/router.h"
#include "http/server.h"
#include "index/catalog.h"
#include "index/id_generator.h"
#include "ingest/batch_ingest_service.h"
#include "sources/source_catalog.h"
#include "storage/store.h"
#include "tasks/task_manager.h"

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
};

// The cluster UUID is made once per data directory and kept, like OpenSearch's.
util::Result<std::string> ClusterUuid(storage::Store& store) {
  SLUICE_ASSIGN_OR_RETURN(auto existing, store.Get(storage::Column::kMeta, "cluster_uuid"));
  if (existing) return *existing;
  std::string uuid = index::GenerateId(22);
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, "cluster_uuid", uuid);
  SLUICE_RETURN_IF_ERROR(store.Write(batch));
  return uuid;
}

// Serves until SIGINT/SIGTERM. Everything that uses the catalog and store
// lives in this scope, so it is gone before they are closed.
int ServeUntilSignal(const ServeFlags& flags, const std::filesystem::path& data_dir,
                     storage::Store* store, index::Catalog* catalog, const std::string& uuid,
                     sigset_t signals) {
  sources::SourcesOptions source_options;
  source_options.file_roots = flags.file_roots;
  if (source_options.file_roots.empty()) {
    source_options.file_roots.push_back((data_dir / "import").string());
  }
  source_options.s3_endpoint = flags.s3_endpoint;
  source_options.openai_base_url = flags.openai_base_url;
  source_options.allowed_http_hosts = flags.allowed_source_hosts;
  sources::SourceCatalog source_catalog(source_options);
  tasks::TaskManager task_manager(store, {.max_running = flags.max_running_tasks});
  ingest::BatchIngestService ingest_service(ingest::LocalSinkFactory(catalog), &source_catalog,
                                            store, &task_manager, ingest::IngestOptions{});
  if (util::Status s = task_manager.Recover([&](const tasks::TaskRecord& record) {
        return ingest_service.ResumeJob(record);
      });
      !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  if (util::Status s = ingest_service.CollectStaging(); !s.ok()) {
    spdlog::warn("event=staging_cleanup_failed reason=\"{}\"", s.ToString());
  }

  api::ApiContext ctx;
  ctx.catalog = catalog;
  ctx.tasks = &task_manager;
  ctx.ingest = &ingest_service;
  ctx.node.cluster_uuid = uuid;
  http::Router router;
  api::RegisterAllRoutes(router, ctx);

  http::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.threads = flags.threads;
  options.max_content_length = flags.max_content_length;
  http::Server server(options, router);
  if (util::Status s = server.Start(); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  spdlog::info("sluice listening url=http://{}:{} data_dir={}", flags.host, server.port(),
               data_dir.string());
  // Wait for a signal; between signals, checkpoint the vector graphs now and
  // then so a crash costs little start-up time (the documents are durable anyway).
  int sig = 0;
  const timespec interval{flags.checkpoint_interval_s, 0};
  while ((sig = sigtimedwait(&signals, nullptr, &interval)) < 0) {
    if (errno != EAGAIN && errno != EINTR) break;
    if (util::Status s = catalog->CheckpointAll(); !s.ok()) {
      spdlog::warn("event=graph_checkpoint_failed reason=\"{}\"", s.ToString());
    }
  }
  spdlog::info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  // Leaving this scope stops the task workers (running jobs keep their
  // checkpoints and resume at the next start) before the catalog closes.
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

  std::error_code ec;
  std::filesystem::path data_dir = std::filesystem::absolute(flags.data_dir);
  std::filesystem::create_directories(data_dir / "import", ec);
  if (ec) {
    spdlog::error("event=start_failed reason=\"cannot create data dir {}: {}\"", data_dir.string(),
                  ec.message());
    return 1;
  }
  auto store = storage::Store::Open({.path = (data_dir / "rocksdb").string()});
  if (!store.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", store.status().ToString());
    return 1;
  }
  index::IndexOptions index_options;
  index_options.vector_dir = (data_dir / "vectors").string();
  auto catalog = index::Catalog::Open(store->get(), index_options);
  if (!catalog.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", catalog.status().ToString());
    return 1;
  }
  auto uuid = ClusterUuid(**store);
  if (!uuid.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", uuid.status().ToString());
    return 1;
  }
  int rc = ServeUntilSignal(flags, data_dir, store->get(), catalog->get(), *uuid, signals);
  // Graphs are derived data, but a fresh checkpoint makes the next start fast.
  if (util::Status s = (*catalog)->CheckpointAll(); !s.ok()) {
    spdlog::warn("event=graph_checkpoint_failed reason=\"{}\"", s.ToString());
  }
  catalog->reset();
  if (util::Status s = (*store)->Flush(); !s.ok()) {
    spdlog::warn("event=flush_failed reason=\"{}\"", s.ToString());
  }
  store->reset();
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
  serve->callback([flags]() {
    int rc = Serve(*flags);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sluice::cli
