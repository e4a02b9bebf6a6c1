// Engine: one data directory opened with sluice's whole module graph — the
// store, the index catalog, the sources, the task manager, batch ingestion,
// the process's metrics registry and the REST routes over all of them. Used
// by `sluice serve` (behind the HTTP server) and by the in-process CLI
// commands (which dispatch REST requests to router() directly), so both
// behave the same.
//
// Open() creates the data directory (and its import/ folder), opens RocksDB
// (which locks the directory: one process at a time), loads every index,
// resumes unfinished tasks and collects stale join staging. The destructor
// stops running tasks (they keep their checkpoints), checkpoints the vector
// graphs, flushes and closes the store.
//
// Where ingested documents go (the sink) is decided in one place, in
// engine.cc's MakeSinkFactory().
//
// Thread-safety: the accessors may be used from any thread once Open returns;
// the objects they return document their own thread-safety.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "ingest/batch_ingest_job.h"
#include "ingest/batch_ingest_service.h"
#include "sources/sources_options.h"
#include "tasks/task_manager.h"
#include "util/result.h"

namespace sluice::http {
class Router;
}
namespace sluice::index {
class Catalog;
class ClusterSettings;
class KnnMemoryBreaker;
}
namespace sluice::ingest {
class BatchIngestService;
}
namespace sluice::metrics {
class Registry;
}
namespace sluice::sources {
class SourceCatalog;
}
namespace sluice::security {
class Security;
}
namespace sluice::storage {
class Store;
}
namespace sluice::secrets {
class Sealer;
}
namespace sluice::ml {
class ConnectorStore;
class ModelStore;
class BatchPredictService;
}  // namespace sluice::ml

namespace sluice::cli {

struct EngineOptions {
  std::string data_dir = "./data";
  // The address the server listens on (--host): the node APIs publish it as
  // the node's ip (127.0.0.1 for a wildcard or a name that is not an address).
  std::string listen_host = "127.0.0.1";
  // Empty file_roots and allow_any_file false: <data-dir>/import is the root.
  sources::SourcesOptions sources;
  tasks::TaskManagerOptions tasks;
  ingest::IngestOptions ingest;  // .metrics is set by the engine
  // Free bytes under which writes are refused with 429 (storage's flood stage).
  // -1 (default): 5% of the data directory's filesystem, at most 1 GiB; 0: none.
  int64_t flood_stage_free_bytes = -1;
  // RocksDB's shares of the memory budget (storage::StorageOptions): block
  // cache and all memtables together. Defaults: 64 MiB each.
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;
  // The memory budget: what a percentage knn.memory.circuit_breaker.limit is
  // a share of. 0 (default): the machine's physical memory.
  size_t memory_budget = 0;
  // Where batch ingestion writes. Empty (default): this data directory's indexes.
  ingest::SinkFactory sinks;
  // Sinks for tasks submitted with the client's Authorization (a
  // pass-through gateway). Empty (default): the client's identity is unused.
  ingest::IdentitySinkFactory identity_sinks;
  // Gateway mode: only the routes sluice owns (batch ingestion, tasks,
  // metrics) are registered, then `extra_routes` runs on the router (the
  // gateway wraps the task routes). Default: false, every REST route.
  bool gateway_routes_only = false;
  std::function<void(http::Router&)> extra_routes;
  // The secrets key (secrets/sealer.h): request credentials are sealed with
  // their tasks under it, so that s3/openAI tasks resume after a restart.
  // Created (0600) when missing; must lie outside the data directory.
  // "" (default): credentials are held in memory only.
  std::string secrets_key_file;
  // An earlier key, still accepted for opening sealed values. "" (default): none.
  std::string secrets_previous_key_file;
  // What the "data directory in use" error suggests after "stop it or ...".
  std::string in_use_hint = "use another --data-dir";
  // Users and roles (--users-file); null = no authentication. Not owned; must
  // outlive the engine.
  security::Security* security = nullptr;
  // Between two status requests of a batch-predict task. Default: 10 s.
  int batch_predict_poll_ms = 10000;
  // Replace scheme/host/port of Bedrock / SageMaker batch URLs. "" = none.
  std::string bedrock_endpoint;
  std::string sagemaker_endpoint;
};

// The Content-Type of GET /_prometheus/metrics.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

class Engine {
 public:
  static util::Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::string& cluster_uuid() const { return cluster_uuid_; }
  storage::Store* store() const { return store_.get(); }
  index::Catalog* catalog() const { return catalog_.get(); }
  tasks::TaskManager* tasks() const { return tasks_.get(); }
  ingest::BatchIngestService* ingest() const { return ingest_.get(); }
  // Every REST route, plus GET /_prometheus/metrics.
  const http::Router& router() const { return *router_; }
  metrics::Registry* metrics() const { return metrics_.get(); }
  // The secrets key's sealer, or null when the engine runs without one.
  const secrets::Sealer* sealer() const { return sealer_.get(); }

 private:
  struct Routes;
  Engine() = default;
  util::Status Start(EngineOptions options);
  util::Status OpenSealer(const EngineOptions& options);
  ingest::CredentialOptions CredentialOptions() const;
  void AddCollectors();

  std::filesystem::path data_dir_;
  std::string cluster_uuid_;
  size_t memory_budget_ = 0;  // --memory-budget, or the machine's memory
  std::unique_ptr<metrics::Registry> metrics_;
  std::unique_ptr<secrets::Sealer> sealer_;  // null without a secrets key
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<index::KnnMemoryBreaker> knn_breaker_;
  std::unique_ptr<index::Catalog> catalog_;
  std::unique_ptr<index::ClusterSettings> cluster_settings_;
  std::unique_ptr<sources::SourceCatalog> sources_;
  std::unique_ptr<ml::ConnectorStore> connectors_;
  std::unique_ptr<tasks::TaskManager> tasks_;
  std::unique_ptr<ingest::BatchIngestService> ingest_;
  std::unique_ptr<ml::ModelStore> models_;
  std::unique_ptr<ml::BatchPredictService> batch_predict_;
  std::unique_ptr<Routes> routes_;
  http::Router* router_ = nullptr;  // owned by routes_
};

}  // namespace sluice::cli
