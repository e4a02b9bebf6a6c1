// ApiContext: what the REST handlers need, built by cli/ and handed to every
// Register*Routes function. Handlers hold no state of their own.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::index {
class Catalog;
class ClusterSettings;
class KnnMemoryBreaker;
}
namespace sluice::tasks {
class TaskManager;
}
namespace sluice::ingest {
class BatchIngestService;
}
namespace sluice::search {
class SearchContextStore;
class SearchPipelineStore;
}
namespace sluice::security {
class Security;
}
namespace sluice::util {
class CpuLoadSampler;
}
namespace sluice::ml {
class ConnectorStore;
class ModelStore;
class BatchPredictService;
}

namespace sluice::api {

// Identity of this node as GET / reports it.
struct NodeInfo {
  std::string node_name = "sluice";
  std::string cluster_name = "sluice";
  std::string cluster_uuid;  // stable across restarts (persisted by cli/)
  std::string version = "2.19.0";  // the OpenSearch version whose behaviour sluice follows
  std::string ip = "127.0.0.1";  // the node's published address (a literal IP)
  // --memory-budget: what _cat/nodes shows as heap.max (sluice has no JVM heap;
  // heap.current is the process's resident memory).
  uint64_t memory_budget_bytes = 0;
  std::string data_dir;  // absolute; _nodes/stats fs and _cat/allocation report its filesystem
};

struct ApiContext {
  index::Catalog* catalog = nullptr;        // required
  tasks::TaskManager* tasks = nullptr;      // required by the task and ML routes
  ingest::BatchIngestService* ingest = nullptr;  // required by _batch_ingestion
  search::SearchContextStore* search_contexts = nullptr;  // scroll; without it ?scroll is a 400
  // Users, roles and authentication (api/security_filter.h); null = none (every
  // request allowed, as without the security plugin).
  security::Security* security = nullptr;
  search::SearchPipelineStore* search_pipelines = nullptr;  // without it, no search pipelines
  ml::ConnectorStore* connectors = nullptr;  // /_plugins/_ml/connectors; without it: no routes
  ml::ModelStore* models = nullptr;  // /_plugins/_ml/models; without it: no routes
  ml::BatchPredictService* batch_predict = nullptr;  // _batch_predict, _cancel_batch
  // GET/PUT /_cluster/settings; without it: no such routes.
  index::ClusterSettings* cluster_settings = nullptr;
  // The k-NN memory circuit breaker _plugins/_knn/stats reports; null = none.
  index::KnnMemoryBreaker* knn_breaker = nullptr;
  // Recent CPU use for _nodes/stats, _cluster/stats and _cat/nodes; null = reported as -1.
  util::CpuLoadSampler* cpu_sampler = nullptr;
  NodeInfo node;
};

}  // namespace sluice::api
