#include "sinks/opensearch/opensearch_sink.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "sinks/opensearch/bulk_protocol.h"
#include "sinks/opensearch/cluster_client.h"
#include "sources/sigv4_signer.h"

namespace sluice::sinks::opensearch {
namespace {

// Small batches are still split across connections, down to this size.
constexpr size_t kMinChunkBytes = 64u << 10;
constexpr int kDescribeRetries = 2;

// Contiguous ranges of documents, each at most `target` bytes of NDJSON (a
// single larger document forms a range of its own).
std::vector<std::vector<size_t>> Chunk(const std::vector<ingest::SinkDocument>& docs,
                                       size_t target) {
  std::vector<std::vector<size_t>> chunks;
  size_t bytes = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    size_t size = docs[i].source_json.size() + docs[i].id.size() + 24;
    if (chunks.empty() || (bytes + size > target && !chunks.back().empty())) {
      chunks.emplace_back();
      bytes = 0;
    }
    chunks.back().push_back(i);
    bytes += size;
  }
  return chunks;
}

}  // namespace

OpenSearchSink::OpenSearchSink(std::shared_ptr<ClusterClient> client, std::string index_name)
    : client_(std::move(client)), index_name_(std::move(index_name)) {
  bulk_path_ = "/" + sources::UriEncode(index_name_, false) + "/_bulk";
}

OpenSearchSink::~OpenSearchSink() {
  if (requests_ == 0) return;
  SinkCounters c = counters();
  spdlog::info(
      "event=remote_ingest_summary cluster={} index={} documents={} docs_per_second={:.0f} "
      "bulk_requests={} items_rejected={} documents_retried={} bytes_sent={}",
      client_->display_url(), index_name_, c.documents_acknowledged, c.docs_per_second,
      c.bulk_requests, c.items_rejected, c.documents_retried, c.bytes_sent);
}

SinkCounters OpenSearchSink::counters() const {
  SinkCounters c;
  c.documents_acknowledged = acknowledged_;
  c.items_rejected = rejected_;
  c.documents_retried = retried_;
  c.bulk_requests = requests_;
  c.bytes_sent = bytes_;
  double seconds = static_cast<double>(write_ns_.load()) / 1e9;
  c.docs_per_second = seconds > 0 ? static_cast<double>(c.documents_acknowledged) / seconds : 0;
  return c;
}

ingest::SinkStats OpenSearchSink::Stats() const {
  SinkCounters c = counters();
  return {true, c.bulk_requests, c.documents_retried, c.items_rejected, c.docs_per_second};
}

util::Result<ingest::SinkSchema> OpenSearchSink::Describe() {
  std::string path = "/" + sources::UriEncode(index_name_, false);
  // Describe answers a submission: a cluster that stays unreachable is
  // reported within seconds rather than after the writer's full backoff.
  SLUICE_ASSIGN_OR_RETURN(
      auto response, client_->Send("GET", path, "", false, nullptr, kDescribeRetries, cancel_));
  if (response.status == 404) {
    return util::NotFound("index_not_found_exception", "no such index [" + index_name_ + "]")
        .WithMetadata("index", index_name_)
        .WithMetadata("resource.id", index_name_)
        .WithMetadata("resource.type", "index_or_alias");
  }
  if (response.status != 200) {
    util::Status error = ErrorFromResponse(response.status, response.body);
    return util::Status(error.code(), error.type(),
                        "cluster " + client_->display_url() + " refused GET /" + index_name_ +
                            ": " + error.reason());
  }
  SLUICE_ASSIGN_OR_RETURN(ingest::SinkSchema schema, ParseIndexSchema(response.body, index_name_));
  for (const auto& v : schema.vector_fields) {
    if (v.dimension <= 0) {
      return util::InvalidArgument("knn_vector field [" + v.name + "] of index [" + index_name_ +
                                   "] on the cluster has no dimension");
    }
  }
  vector_fields_ = schema.vector_fields;
  if (!described_) {
    described_ = true;
    GzipMode mode = client_->options().gzip;
    gzip_ = mode == GzipMode::kAlways || (mode == GzipMode::kAuto && ProbeGzip());
  }
  return schema;
}

// A gzip-encoded search for nothing: a cluster that cannot read gzip bodies
// answers with an error, and _bulk bodies then go uncompressed.
bool OpenSearchSink::ProbeGzip() {
  std::string path = "/" + sources::UriEncode(index_name_, false) + "/_search";
  auto response = client_->Send("POST", path, R"({"size":0,"query":{"match_all":{}}})", true,
                                nullptr, kDescribeRetries);
  return response.ok() && response->status == 200;
}

// Fails when a vector field's first records (up to 10 that carry it) all have
// a dimension other than the mapping's: the request or the index is wrong, and
// every record would fail. A few wrong records among right ones fail alone.
util::Status OpenSearchSink::CheckFirstVectors(const std::vector<ingest::SinkDocument>& documents) {
  constexpr size_t kLooked = 10;
  simdjson::dom::parser parser;
  for (const auto& field : vector_fields_) {
    size_t carrying = 0;
    size_t first_wrong = 0;
    bool any_right = false;
    for (const auto& doc : documents) {
      simdjson::dom::element value;
      if (parser.parse(doc.source_json).get(value) != simdjson::SUCCESS) continue;
      bool found = true;
      for (size_t begin = 0; found;) {  // dotted paths name nested objects
        size_t dot = field.name.find('.', begin);
        std::string_view key = std::string_view(field.name).substr(begin, dot - begin);
        found = value[key].get(value) == simdjson::SUCCESS;
        if (dot == std::string::npos) break;
        begin = dot + 1;
      }
      simdjson::dom::array array;
      if (!found || value.get_array().get(array) != simdjson::SUCCESS) continue;
      if (array.size() == static_cast<size_t>(field.dimension)) {
        any_right = true;
        break;
      }
      if (carrying == 0) first_wrong = array.size();
      if (++carrying >= kLooked) break;
    }
    if (!any_right && carrying > 0) {
      return util::InvalidArgument("field [" + field.name + "] of index [" + index_name_ +
                                   "] on the cluster is a " + "knn_vector of dimension [" +
                                   std::to_string(field.dimension) +
                                   "], but the first records carry vectors of dimension [" +
                                   std::to_string(first_wrong) + "]");
    }
  }
  return util::Status::Ok();
}

util::Result<std::vector<util::Status>> OpenSearchSink::Write(
    std::vector<ingest::SinkDocument> documents) {
  if (!described_) SLUICE_RETURN_IF_ERROR(Describe().status());
  if (!checked_first_ && !documents.empty()) {
    checked_first_ = true;
    SLUICE_RETURN_IF_ERROR(CheckFirstVectors(documents));
  }
  auto start = std::chrono::steady_clock::now();
  const auto& options = client_->options();
  size_t total = 0;
  for (const auto& d : documents) total += d.source_json.size() + d.id.size() + 24;
  size_t in_flight = static_cast<size_t>(options.max_in_flight);
  size_t target =
      std::min(options.bulk_bytes, std::max(kMinChunkBytes, (total + in_flight - 1) / in_flight));
  auto chunks = Chunk(documents, target);
  std::vector<util::Status> results(documents.size());
  std::mutex error_mu;
  util::Status first_error;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t c = next++; c < chunks.size(); c = next++) {
      {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error.ok()) return;
      }
      util::Status s = WriteChunk(documents, std::move(chunks[c]), &results);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (first_error.ok()) first_error = std::move(s);
      }
    }
  };
  size_t threads = std::min(in_flight, chunks.size());
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  write_ns_ +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  if (!first_error.ok()) return first_error;
  return results;
}

util::Status OpenSearchSink::WriteChunk(const std::vector<ingest::SinkDocument>& documents,
                                        std::vector<size_t> pending,
                                        std::vector<util::Status>* results) {
  const int max_retries = client_->options().max_retries;
  util::Status last_rejection;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      retried_ += pending.size();
      if (client_->Backoff(attempt, cancel_)) return util::Cancelled("the task was cancelled");
    }
    std::string body;
    for (size_t i : pending) AppendBulkAction(documents[i], &body);
    ClusterCounters tally;
    auto response = client_->Send("POST", bulk_path_, body, gzip_, &tally, -1, cancel_);
    requests_ += tally.requests;
    bytes_ += tally.bytes_sent;
    retried_ += tally.retried_requests * pending.size();
    if (!response.ok()) return response.status();
    if (response->status != 200) {
      util::Status error = ErrorFromResponse(response->status, response->body);
      return util::Status(
          error.code(), error.type(),
          "cluster " + client_->display_url() + " refused a _bulk request: " + error.reason());
    }
    SLUICE_ASSIGN_OR_RETURN(auto items, ParseBulkItems(response->body, pending.size()));
    std::vector<size_t> again;
    for (size_t k = 0; k < items.size(); ++k) {
      if (items[k].rejected) {
        ++rejected_;
        last_rejection = items[k].status;
        again.push_back(pending[k]);
        continue;
      }
      if (items[k].status.type() == "index_not_found_exception") {
        return util::Status(items[k].status.code(), items[k].status.type(),
                            items[k].status.reason() + " (the index was deleted on the cluster)");
      }
      if (items[k].status.ok()) ++acknowledged_;
      (*results)[pending[k]] = std::move(items[k].status);
    }
    if (again.empty()) return util::Status::Ok();
    if (attempt >= max_retries) {
      return util::Status(util::Code::kTooManyRequests, "es_rejected_execution_exception",
                          "cluster " + client_->display_url() + " still rejected " +
                              std::to_string(again.size()) + " documents after " +
                              std::to_string(attempt) + " retries: " + last_rejection.reason());
    }
    pending = std::move(again);
  }
}

util::Result<ingest::SinkFactory> OpenSearchSinkFactory(OpenSearchOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ClusterClient> unique,
                          ClusterClient::Create(std::move(options)));
  std::shared_ptr<ClusterClient> client = std::move(unique);
  return ingest::SinkFactory(
      [client](const std::string& index_name) -> std::unique_ptr<ingest::DocumentSink> {
        return std::make_unique<OpenSearchSink>(client, index_name);
      });
}

util::Result<ingest::IdentitySinkFactory> OpenSearchIdentitySinkFactory(OpenSearchOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ClusterClient> checked, ClusterClient::Create(options));
  std::shared_ptr<ClusterClient> fallback = std::move(checked);
  return ingest::IdentitySinkFactory(
      [options = std::move(options), fallback](
          const std::string& index_name,
          const util::Secret& authorization) -> std::unique_ptr<ingest::DocumentSink> {
        OpenSearchOptions mine = options;
        mine.authorization = authorization;
        auto client = ClusterClient::Create(std::move(mine));
        std::shared_ptr<ClusterClient> shared =
            client.ok() ? std::shared_ptr<ClusterClient>(std::move(*client)) : fallback;
        return std::make_unique<OpenSearchSink>(shared, index_name);
      });
}

}  // namespace sluice::sinks::opensearch
