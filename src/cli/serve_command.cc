#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/routes.h"
#include "http/router.h"
#include "http/server.h"
#include "index/catalog.h"
#include "index/id_generator.h"
#include "storage/store.h"

namespace sluice::cli {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 9200;
  std::string data_dir = "./data";
  std::vector<std::string> file_roots;
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
  auto catalog = index::Catalog::Open(store->get(), index::IndexOptions{});
  if (!catalog.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", catalog.status().ToString());
    return 1;
  }
  auto uuid = ClusterUuid(**store);
  if (!uuid.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", uuid.status().ToString());
    return 1;
  }
  api::ApiContext ctx;
  ctx.catalog = catalog->get();
  ctx.node.cluster_uuid = *uuid;
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
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.Stop();
  catalog->reset();
  if (util::Status s = (*store)->Flush(); !s.ok()) {
    spdlog::warn("event=flush_failed reason=\"{}\"", s.ToString());
  }
  store->reset();
  spdlog::info("event=stopped");
  return 0;
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
