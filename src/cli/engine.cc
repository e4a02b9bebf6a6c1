#include "cli/engine.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <map>
#include <system_error>
#include <utility>

#include "api/routes.h"
#include "http/router.h"
#include "index/catalog.h"
#include "index/cluster_settings.h"
#include "index/id_generator.h"
#include "index/index.h"
#include "index/knn_breaker.h"
#include "ingest/batch_ingest_service.h"
#include "metrics/registry.h"
#include "ml/batch_predict.h"
#include "ml/connector_store.h"
#include "ml/model_store.h"
#include "ml/prediction_output.h"
#include "search/search_context_store.h"
#include "search/search_pipeline.h"
#include "secrets/sealer.h"
#include "sources/source_catalog.h"
#include "storage/store.h"
#include "tasks/task_manager.h"
#include "util/process_stats.h"
#include "vector/vector_index.h"

namespace sluice::cli {
namespace {

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

// The one place that decides where batch ingestion writes documents.
ingest::SinkFactory MakeSinkFactory(const EngineOptions& options, index::Catalog* catalog) {
  if (options.sinks) return options.sinks;  // a remote cluster (cli/remote_cluster_flags.h)
  return ingest::LocalSinkFactory(catalog);
}

// A data directory another process has open names that process; any other
// failure passes through.
util::Status DataDirError(const util::Status& s, const std::filesystem::path& data_dir,
                          const std::string& hint) {
  if (s.code() != util::Code::kConflict) return s;
  std::string pid;
  for (const auto& [key, value] : s.metadata()) {
    if (key == "pid") pid = value;
  }
  if (pid.empty()) return s;
  return util::IoError("the data directory " + data_dir.string() +
                       " is in use by another sluice process (pid " + pid + "); stop it or " +
                       hint);
}

// The listen address as a literal IP the node APIs can publish: itself when it
// is one (and not a wildcard), else the loopback address.
std::string PublishedIp(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (host == "0.0.0.0" || host == "::" || host.empty()) return "127.0.0.1";
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return host;
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return host;
  return "127.0.0.1";
}

}  // namespace

struct Engine::Routes {
  search::SearchContextStore search_contexts;  // before ctx: handlers point into it
  util::CpuLoadSampler cpu_sampler;
  std::unique_ptr<search::SearchPipelineStore> search_pipelines;
  api::ApiContext ctx;
  http::Router router;
};

util::Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  std::unique_ptr<Engine> engine(new Engine());
  SLUICE_RETURN_IF_ERROR(engine->Start(std::move(options)));
  return engine;
}

util::Status Engine::Start(EngineOptions options) {
  std::error_code ec;
  data_dir_ = std::filesystem::absolute(options.data_dir, ec).lexically_normal();
  if (!ec) std::filesystem::create_directories(data_dir_ / "import", ec);
  if (ec) {
    return util::IoError("cannot create data dir " + options.data_dir + ": " + ec.message());
  }
  metrics_ = std::make_unique<metrics::Registry>();
  SLUICE_RETURN_IF_ERROR(OpenSealer(options));
  storage::StorageOptions storage_options;
  storage_options.path = (data_dir_ / "rocksdb").string();
  storage_options.flood_stage_free_bytes = options.flood_stage_free_bytes;
  storage_options.block_cache_bytes = options.block_cache_bytes;
  storage_options.write_buffer_bytes = options.write_buffer_bytes;
  auto store = storage::Store::Open(storage_options);
  if (!store.ok()) return DataDirError(store.status(), data_dir_, options.in_use_hint);
  store_ = std::move(*store);
  index::IndexOptions index_options;
  index_options.vector_dir = (data_dir_ / "vectors").string();
  size_t budget = options.memory_budget;
  if (budget == 0) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    budget = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                                   : size_t{4} << 30;
  }
  memory_budget_ = budget;
  knn_breaker_ = std::make_shared<index::KnnMemoryBreaker>(budget);
  index_options.knn_breaker = knn_breaker_;
  // The persistent cluster settings (the breaker's limit) apply before the
  // indexes rebuild their graphs.
  SLUICE_ASSIGN_OR_RETURN(cluster_settings_,
                          index::ClusterSettings::Open(store_.get(), knn_breaker_.get()));
  SLUICE_ASSIGN_OR_RETURN(catalog_, index::Catalog::Open(store_.get(), index_options));
  SLUICE_ASSIGN_OR_RETURN(cluster_uuid_, ClusterUuid(*store_));

  if (options.sources.file_roots.empty() && !options.sources.allow_any_file) {
    options.sources.file_roots.push_back((data_dir_ / "import").string());
  }
  sources_ = std::make_unique<sources::SourceCatalog>(options.sources);
  connectors_ = std::make_unique<ml::ConnectorStore>(store_.get(), sealer_.get());
  tasks_ = std::make_unique<tasks::TaskManager>(store_.get(), options.tasks);
  options.ingest.metrics = metrics_.get();
  ingest_ = std::make_unique<ingest::BatchIngestService>(MakeSinkFactory(options, catalog_.get()),
                                                         sources_.get(), store_.get(), tasks_.get(),
                                                         options.ingest, options.identity_sinks);
  ingest_->SetCredentialOptions(CredentialOptions());
  ingest_->SetPredictionSources([tasks = tasks_.get()](const std::string& task_id) {
    return ml::PredictionOutput(*tasks, task_id);
  });
  models_ = std::make_unique<ml::ModelStore>(store_.get(), connectors_.get());
  ml::BatchPredictOptions predict_options;
  predict_options.openai_base_url = options.sources.openai_base_url;
  predict_options.bedrock_endpoint = options.bedrock_endpoint;
  predict_options.sagemaker_endpoint = options.sagemaker_endpoint;
  predict_options.poll_interval_ms = options.batch_predict_poll_ms;
  predict_options.http = options.sources;
  predict_options.input_sources = sources_.get();
  batch_predict_ = std::make_unique<ml::BatchPredictService>(
      models_.get(), connectors_.get(), tasks_.get(), ingest_.get(), std::move(predict_options));
  SLUICE_RETURN_IF_ERROR(tasks_->Recover(
      [this](const tasks::TaskRecord& record) -> util::Result<std::unique_ptr<tasks::TaskJob>> {
        if (record.task_type == ml::kBatchPredictionTask) return batch_predict_->ResumeJob(record);
        return ingest_->ResumeJob(record);
      }));
  if (util::Status s = ingest_->CollectStaging(); !s.ok()) {
    spdlog::warn("event=staging_cleanup_failed reason=\"{}\"", s.ToString());
  }

  routes_ = std::make_unique<Routes>();
  routes_->ctx.catalog = catalog_.get();
  routes_->ctx.tasks = tasks_.get();
  routes_->ctx.ingest = ingest_.get();
  routes_->ctx.search_contexts = &routes_->search_contexts;
  SLUICE_ASSIGN_OR_RETURN(routes_->search_pipelines,
                          search::SearchPipelineStore::Open(store_.get()));
  routes_->ctx.search_pipelines = routes_->search_pipelines.get();
  routes_->ctx.connectors = connectors_.get();
  routes_->ctx.models = models_.get();
  routes_->ctx.batch_predict = batch_predict_.get();
  routes_->ctx.cluster_settings = cluster_settings_.get();
  routes_->ctx.knn_breaker = knn_breaker_.get();
  routes_->ctx.node.cluster_uuid = cluster_uuid_;
  routes_->ctx.node.data_dir = data_dir_.string();
  routes_->ctx.node.ip = PublishedIp(options.listen_host);
  routes_->ctx.node.memory_budget_bytes = memory_budget_;
  routes_->ctx.cpu_sampler = &routes_->cpu_sampler;
  routes_->ctx.security = options.security;
  router_ = &routes_->router;
  if (options.gateway_routes_only) {
    api::RegisterGatewayOwnedRoutes(*router_, routes_->ctx);
  } else {
    api::RegisterAllRoutes(*router_, routes_->ctx);
  }
  metrics::Registry* registry = metrics_.get();
  router_->Add("GET", "/_prometheus/metrics", [registry](const http::Request&) {
    http::Response res;
    res.content_type = kPrometheusContentType;
    res.body = registry->Render();
    return res;
  });
  if (options.extra_routes) options.extra_routes(*router_);
  AddCollectors();
  return util::Status::Ok();
}

util::Status Engine::OpenSealer(const EngineOptions& options) {
  if (options.secrets_key_file.empty()) {
    if (!options.secrets_previous_key_file.empty()) {
      return util::InvalidArgument("--secrets-previous-key-file needs --secrets-key-file");
    }
    return util::Status::Ok();
  }
  bool existed = std::filesystem::exists(options.secrets_key_file);
  SLUICE_ASSIGN_OR_RETURN(
      sealer_, secrets::Sealer::Open({options.secrets_key_file, options.secrets_previous_key_file,
                                      data_dir_.string()}));
  spdlog::info("event=secrets_key_loaded key_file={} created={} previous_key={}",
               options.secrets_key_file, existed ? "false" : "true",
               options.secrets_previous_key_file.empty() ? "none" : "given");
  return util::Status::Ok();
}

ingest::CredentialOptions Engine::CredentialOptions() const {
  ingest::CredentialOptions out;
  out.sealer = sealer_.get();
  out.connectors = [connectors = connectors_.get()](const std::string& id) {
    return connectors->Credential(id);
  };
  return out;
}

// Values that already live in the catalog and the task manager are read at
// scrape time rather than mirrored into counters.
void Engine::AddCollectors() {
  metrics_->AddCollector([tasks = tasks_.get()](metrics::Scrape& scrape) {
    std::map<std::string, int> by_state;
    for (auto state : {tasks::TaskState::kCreated, tasks::TaskState::kRunning,
                       tasks::TaskState::kCompleted, tasks::TaskState::kCompletedWithError,
                       tasks::TaskState::kFailed, tasks::TaskState::kCancelled}) {
      by_state[std::string(tasks::TaskStateName(state))] = 0;
    }
    for (const auto& record : tasks->List()) ++by_state[std::string(TaskStateName(record.state))];
    for (const auto& [state, n] : by_state) {
      scrape.Gauge("sluice_tasks", "Tasks known to this node, by state.", {{"state", state}}, n);
    }
  });
  metrics_->AddCollector([catalog = catalog_.get()](metrics::Scrape& scrape) {
    for (const auto& index : catalog->List()) {
      scrape.Gauge("sluice_index_documents", "Live documents in an index.",
                   {{"index", index->name()}}, static_cast<double>(index->doc_count()));
      scrape.Gauge("sluice_index_stored_bytes", "Bytes of stored documents in an index.",
                   {{"index", index->name()}}, static_cast<double>(index->stored_bytes()));
      index::Index::ReadGuard guard(*index);
      for (const auto& [field, mapping] : index->mapping().fields()) {
        const vector::VectorIndex* vectors = index->vectors(field);
        if (vectors == nullptr) continue;
        metrics::Labels labels{{"index", index->name()}, {"field", field}};
        scrape.Gauge("sluice_vector_index_vectors", "Vectors in a knn_vector field's graph.",
                     labels, static_cast<double>(vectors->Size()));
        scrape.Gauge("sluice_vector_index_memory_bytes",
                     "Memory held by a knn_vector field's graph.", labels,
                     static_cast<double>(vectors->MemoryBytes()));
      }
    }
  });
}

Engine::~Engine() {
  // Routes first (handlers point into the modules), then the running tasks
  // (they keep their checkpoints and resume at the next open), then the data.
  routes_.reset();
  tasks_.reset();
  ingest_.reset();
  batch_predict_.reset();
  models_.reset();
  connectors_.reset();
  sources_.reset();
  if (catalog_) {
    // Graphs are derived data, but a fresh checkpoint makes the next open fast.
    if (util::Status s = catalog_->CheckpointAll(); !s.ok()) {
      spdlog::warn("event=graph_checkpoint_failed reason=\"{}\"", s.ToString());
    }
    catalog_.reset();
  }
  if (store_) {
    if (util::Status s = store_->Flush(); !s.ok()) {
      spdlog::warn("event=flush_failed reason=\"{}\"", s.ToString());
    }
    store_.reset();
  }
}

}  // namespace sluice::cli
