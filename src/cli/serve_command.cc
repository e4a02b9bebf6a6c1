#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/rest_response.h"
#include "cli/engine.h"
#include "cli/gateway_flags.h"
#include "cli/remote_cluster_flags.h"
#include "gateway/gateway_routes.h"
#include "http/server.h"
#include "index/catalog.h"
#include "metrics/registry.h"
#include "security/security.h"
#include "sources/aws_credentials.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace sluice::cli {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 9200;
  std::string data_dir = "./data";
  std::vector<std::string> file_roots;
  std::string s3_endpoint;
  std::string openai_base_url = "https://api.openai.com/v1";
  int batch_predict_poll_ms = 10000;
  std::string bedrock_endpoint;
  std::string sagemaker_endpoint;
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
  std::string secrets_key_file;
  std::string secrets_previous_key_file;
  size_t memory_budget = 0;
  RemoteClusterFlags remote;
  GatewayFlags gateway;
  http::TlsOptions tls;
  std::string users_file;
  bool allow_insecure_non_loopback = false;
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
// The request counter and duration histogram of each (method, route, status)
// seen, looked up in the registry once: afterwards a request takes only a
// shared lock here, never the registry's mutex, which a scrape holds while it
// renders and which a lowered (niced) search or write thread could otherwise
// hold while a health check waits for it.
class HttpRequestSeries {
 public:
  explicit HttpRequestSeries(metrics::Registry* registry) : registry_(registry) {}

  void Record(const http::RequestStats& stats) {
    // Any token is a valid method on the wire; only the known ones become labels.
    std::string_view method = "other";
    for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      if (stats.method == known) method = known;
    }
    std::string_view route = stats.route.empty() ? "unmatched" : stats.route;
    std::string key;
    key.reserve(method.size() + route.size() + 5);
    key.append(method).append(1, '\0').append(route).append(1, '\0');
    key.append(std::to_string(stats.status));
    Series series = Find(key, method, route, stats.status);
    series.requests->Inc();
    series.duration->Observe(stats.seconds);
  }

 private:
  struct Series {
    metrics::Counter* requests = nullptr;
    metrics::Histogram* duration = nullptr;
  };

  Series Find(const std::string& key, std::string_view method, std::string_view route,
              unsigned status) {
    {
      util::ReaderMutexLock lock(&mu_);
      if (auto it = series_.find(key); it != series_.end()) return it->second;
    }
    metrics::Labels labels{{"method", std::string(method)}, {"route", std::string(route)}};
    metrics::Labels with_status = labels;
    with_status.emplace_back("status", std::to_string(status));
    Series series{.requests = registry_->GetCounter("sluice_http_requests_total",
                                                    "HTTP requests answered.", with_status),
                  .duration = registry_->GetHistogram(
                      "sluice_http_request_duration_seconds",
                      "Time from a request's complete header to its response being sent.",
                      metrics::DefaultLatencyBuckets(), labels)};
    util::WriterMutexLock lock(&mu_);
    series_.emplace(key, series);  // the registry returned the same series to a racing thread
    return series;
  }

  metrics::Registry* const registry_;
  util::SharedMutex mu_;
  std::unordered_map<std::string, Series> series_ GUARDED_BY(mu_);
};

std::function<void(const http::RequestStats&)> HttpMetrics(metrics::Registry* registry) {
  auto series = std::make_shared<HttpRequestSeries>(registry);
  return [series](const http::RequestStats& stats) { series->Record(stats); };
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

// SIGHUP: the TLS certificate and key and the users file are read again (a
// failure keeps the ones in use).
void ReloadOnHangup(http::Server& server, security::Security* security) {
  bool ok = true;
  if (util::Status s = server.ReloadTls(); !s.ok()) {
    ok = false;
    spdlog::error("event=tls_reload_failed reason=\"{}\"", s.ToString());
  }
  if (security != nullptr) {
    if (util::Status s = security->Reload(); !s.ok()) {
      ok = false;
      spdlog::error("event=users_reload_failed reason=\"{}\"", s.ToString());
    }
  }
  if (ok) spdlog::info("event=reloaded signal=SIGHUP");
}

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
    return memcmp(&v6, &loopback, sizeof(v6)) == 0;
  }
  return false;
}

// Safe defaults: anything but loopback needs TLS and users, unless
// --allow-insecure-non-loopback says otherwise (then a warning, every start).
util::Status CheckExposure(const ServeFlags& flags) {
  if (IsLoopback(flags.host)) return util::Status::Ok();
  std::vector<std::string> missing;
  if (!flags.tls.enabled()) missing.push_back("--tls-cert and --tls-key");
  if (flags.users_file.empty()) missing.push_back("--users-file");
  if (missing.empty()) return util::Status::Ok();
  std::string what = missing.size() == 2 ? missing[0] + " and " + missing[1] : missing[0];
  if (flags.allow_insecure_non_loopback) {
    spdlog::warn("event=insecure_exposure host={} missing=\"{}\" reason=\"--allow-insecure-"
                 "non-loopback: anyone who can reach this address may read and change every "
                 "index\"",
                 flags.host, what);
    return util::Status::Ok();
  }
  return util::InvalidArgument("refusing to listen on [" + flags.host +
                               "], which is not a loopback address, without " + what +
                               ": pass " + what +
                               " (see docs/security.md), or --allow-insecure-non-loopback for "
                               "development only");
}

// The gateway forwards requests over the client's own socket and leaves
// authentication to the cluster, so it serves neither TLS nor a users file of
// its own yet: refused together rather than half applied.
util::Status CheckGatewayCombination(const ServeFlags& flags) {
  if (!flags.gateway.enabled) return util::Status::Ok();
  if (flags.tls.enabled()) {
    return util::InvalidArgument(
        "--gateway does not serve TLS yet: terminate TLS in front of it (see "
        "docs/opensearch-cluster.md) and drop --tls-cert/--tls-key");
  }
  if (!flags.users_file.empty()) {
    return util::InvalidArgument(
        "--gateway passes authentication through to the cluster, whose security plugin "
        "decides: drop --users-file");
  }
  return util::Status::Ok();
}

// Serves until SIGINT/SIGTERM; between signals, checkpoints the vector graphs
// now and then so a crash costs little start-up time (documents are durable anyway).
int ServeUntilSignal(const ServeFlags& flags, Engine& engine, gateway::Forwarder* forwarder,
                     sigset_t signals, security::Security* security) {
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
  if (forwarder != nullptr) {
    options.stream_handler = [forwarder](http::StreamExchange& ex) { forwarder->Stream(ex); };
  }
  options.tls = flags.tls;
  http::Server server(options, engine.router());
  if (util::Status s = server.Start(); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  auto live = std::make_shared<std::atomic<const http::Server*>>(&server);
  AddServerCollector(engine.metrics(), live);
  http::ServerStats limits = server.GetStats();
  spdlog::info("sluice listening url={}://{}:{} data_dir={} max_in_flight_bytes={}",
               flags.tls.enabled() ? "https" : "http", flags.host, server.port(),
               engine.data_dir().string(), limits.in_flight_limit);
  int sig = 0;
  const timespec interval{flags.checkpoint_interval_s, 0};
  while (true) {
    sig = sigtimedwait(&signals, nullptr, &interval);
    if (sig == SIGHUP) {
      ReloadOnHangup(server, security);
      continue;
    }
    if (sig >= 0) break;
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
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (util::Status s = CheckGatewayCombination(flags); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  if (util::Status s = CheckExposure(flags); !s.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", s.ToString());
    return 1;
  }
  std::unique_ptr<security::Security> security;
  if (!flags.users_file.empty()) {
    auto opened = security::Security::Open(flags.users_file);
    if (!opened.ok()) {
      spdlog::error("event=start_failed reason=\"{}\"", opened.status().ToString());
      return 1;
    }
    security = std::move(opened).value();
    spdlog::info("event=security_enabled users={} users_file={}",
                 security->snapshot()->config.users.size(), flags.users_file);
  }
  EngineOptions options;
  options.security = security.get();
  options.data_dir = flags.data_dir;
  options.listen_host = flags.host;
  options.sources.file_roots = flags.file_roots;
  options.sources.s3_endpoint = flags.s3_endpoint;
  options.sources.openai_base_url = flags.openai_base_url;
  options.batch_predict_poll_ms = flags.batch_predict_poll_ms;
  options.bedrock_endpoint = flags.bedrock_endpoint;
  options.sagemaker_endpoint = flags.sagemaker_endpoint;
  options.sources.allowed_http_hosts = flags.allowed_source_hosts;
  // S3 sources without keys sign with the AWS credential chain.
  options.sources.aws_credentials = std::make_shared<sources::AwsCredentialChain>(
      sources::AwsEnvironment::FromProcess(), options.sources);
  options.tasks.max_running = flags.max_running_tasks;
  options.flood_stage_free_bytes = flags.flood_stage_free_bytes;
  options.secrets_key_file = flags.secrets_key_file;
  options.secrets_previous_key_file = flags.secrets_previous_key_file;
  // The memory budget's shares: RocksDB's block cache and memtables a
  // sixteenth each, HTTP in-flight bytes a fifth (ServeUntilSignal); the rest
  // is for the vector graphs, ingestion queues and search.
  const size_t budget = MemoryBudget(flags);
  options.block_cache_bytes = std::max<size_t>(8u << 20, budget / 16);
  options.write_buffer_bytes = std::max<size_t>(16u << 20, budget / 16);
  options.memory_budget = budget;
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
  std::unique_ptr<gateway::Forwarder> forwarder;
  if (flags.gateway.enabled) {
    auto made = MakeGatewayForwarder(flags.gateway, flags.remote, flags.max_content_length);
    if (!made.ok()) {
      spdlog::error("event=start_failed reason=\"{}\"", made.status().ToString());
      return 1;
    }
    forwarder = std::move(*made);
    options.gateway_routes_only = true;
    if (flags.remote.user.empty() && flags.remote.sigv4_service.empty()) {
      // Pass-through: a batch ingestion writes as the client that submitted it.
      auto identity = RemoteIdentitySinkFactory(flags.remote);
      if (!identity.ok()) {
        spdlog::error("event=start_failed reason=\"{}\"", identity.status().ToString());
        return 1;
      }
      options.identity_sinks = std::move(*identity);
    }
    options.extra_routes = [fw = forwarder.get()](http::Router& router) {
      gateway::RegisterGatewayRoutes(router, *fw);
    };
    spdlog::info("event=gateway cluster={}", forwarder->display_url());
  }
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) {
    spdlog::error("event=start_failed reason=\"{}\"", engine.status().ToString());
    return 1;
  }
  int rc = ServeUntilSignal(flags, **engine, forwarder.get(), signals, security.get());
  // Stops the task workers (running jobs keep their checkpoints and resume at
  // the next start), checkpoints the graphs and closes the store.
  engine->reset();
  spdlog::info("event=stopped");
  return rc;
}

void AddTlsFlags(CLI::App* serve, ServeFlags* flags) {
  auto* cert = serve
                   ->add_option("--tls-cert", flags->tls.cert_file,
                                "PEM certificate chain: serve HTTPS (TLS 1.2+) instead of HTTP; "
                                "SIGHUP reloads it")
                   ->envname("SLUICE_TLS_CERT")
                   ->check(CLI::ExistingFile);
  auto* key = serve
                  ->add_option("--tls-key", flags->tls.key_file,
                               "PEM private key of --tls-cert (unencrypted)")
                  ->envname("SLUICE_TLS_KEY")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  serve
      ->add_option("--tls-client-ca", flags->tls.client_ca_file,
                   "PEM CA certificates: clients must present a certificate they signed "
                   "(mutual TLS)")
      ->envname("SLUICE_TLS_CLIENT_CA")
      ->check(CLI::ExistingFile)
      ->needs(cert);
  serve
      ->add_option("--users-file", flags->users_file,
                   "Users and roles (JSON; see docs/security.md): every request needs HTTP basic "
                   "auth; SIGHUP reloads it")
      ->envname("SLUICE_USERS_FILE")
      ->check(CLI::ExistingFile);
  serve
      ->add_flag("--allow-insecure-non-loopback", flags->allow_insecure_non_loopback,
                 "Listen on a non-loopback --host without TLS or users (development only; logs a "
                 "warning at every start)")
      ->envname("SLUICE_ALLOW_INSECURE_NON_LOOPBACK");
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
  serve
      ->add_option("--batch-predict-poll-ms", flags->batch_predict_poll_ms,
                   "Milliseconds between two status requests of a _batch_predict task")
      ->check(CLI::Range(10, 3600000));
  serve
      ->add_option("--bedrock-endpoint", flags->bedrock_endpoint,
                   "Endpoint URL that replaces scheme, host and port of Bedrock batch URLs "
                   "(https://bedrock.<region>.amazonaws.com/...)")
      ->envname("SLUICE_BEDROCK_ENDPOINT");
  serve
      ->add_option("--sagemaker-endpoint", flags->sagemaker_endpoint,
                   "Endpoint URL that replaces scheme, host and port of SageMaker batch URLs "
                   "(https://api.sagemaker.<region>.amazonaws.com/...)")
      ->envname("SLUICE_SAGEMAKER_ENDPOINT");
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
  serve
      ->add_option("--secrets-key-file", flags->secrets_key_file,
                   "Key (created 0600 if missing, outside the data directory) that seals request "
                   "and connector credentials at rest, so s3/openAI tasks resume after a restart")
      ->envname("SLUICE_SECRETS_KEY_FILE");
  serve
      ->add_option("--secrets-previous-key-file", flags->secrets_previous_key_file,
                   "An earlier --secrets-key-file, still accepted for opening sealed credentials "
                   "(key rotation); new seals use --secrets-key-file")
      ->envname("SLUICE_SECRETS_PREVIOUS_KEY_FILE");
  AddRemoteClusterFlags(serve, &flags->remote, "--remote-cluster");
  AddGatewayFlags(serve, &flags->gateway);
  AddTlsFlags(serve, flags.get());
  serve->callback([flags]() {
    int rc = Serve(*flags);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sluice::cli
