// OpenSearchSink: an ingest::DocumentSink that writes into an index of a
// remote OpenSearch cluster through _bulk — the scale-out target of batch
// ingestion (`sluice serve --remote-cluster URL`).
//
//   - Describe: GET /<index>; 404 is the same index_not_found_exception as a
//     local index; the mapping's knn_vector fields and their dimensions.
//   - Write: the batch is cut into NDJSON _bulk bodies of at most bulk_bytes,
//     sent up to max_in_flight at once over keep-alive connections (gzip when
//     the cluster accepts it). Every item's result is read: rejected items
//     (429, es_rejected_execution_exception) are sent again with backoff, up
//     to max_retries; other item errors (mapper errors) fail their document
//     alone, with the cluster's error type and reason, like local ones. Every
//     action carries the document's _id, so retries and a resumed task
//     overwrite rather than duplicate.
//   - The first Write fails fast when a knn_vector field's vectors in the
//     first records all have another dimension than the mapping's.
//
// Thread-safety: Write is called from one thread at a time (the DocumentSink
// contract); counters() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ingest/batch_ingest_service.h"
#include "ingest/document_sink.h"
#include "sinks/opensearch/opensearch_options.h"

namespace sluice::sinks::opensearch {

class ClusterClient;

struct SinkCounters {
  uint64_t documents_acknowledged = 0;  // items the cluster accepted
  uint64_t items_rejected = 0;          // item rejections seen (429 / es_rejected_execution)
  uint64_t documents_retried = 0;       // documents sent again (rejected items, retried requests)
  uint64_t bulk_requests = 0;           // HTTP requests sent, retries included
  uint64_t bytes_sent = 0;              // on the wire, after gzip
  double docs_per_second = 0;           // acknowledged documents per second of writing
};

class OpenSearchSink : public ingest::DocumentSink {
 public:
  // client is shared by the sinks of one factory (its connection pool).
  OpenSearchSink(std::shared_ptr<ClusterClient> client, std::string index_name);
  ~OpenSearchSink() override;  // logs the summary of what this sink wrote

  util::Result<ingest::SinkSchema> Describe() override;
  util::Result<std::vector<util::Status>> Write(
      std::vector<ingest::SinkDocument> documents) override;

  SinkCounters counters() const;
  ingest::SinkStats Stats() const override;
  void SetCancelSignal(const util::CancelSignal* cancel) override { cancel_ = cancel; }

 private:
  util::Status CheckFirstVectors(const std::vector<ingest::SinkDocument>& documents);
  util::Status WriteChunk(const std::vector<ingest::SinkDocument>& documents,
                          std::vector<size_t> pending, std::vector<util::Status>* results);
  bool ProbeGzip();

  std::shared_ptr<ClusterClient> client_;
  const std::string index_name_;
  std::string bulk_path_;
  std::vector<ingest::SinkSchema::VectorField> vector_fields_;
  bool described_ = false;
  bool checked_first_ = false;
  bool gzip_ = false;

  std::atomic<const util::CancelSignal*> cancel_{nullptr};  // not owned
  std::atomic<uint64_t> acknowledged_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> retried_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<int64_t> write_ns_{0};
};

// A SinkFactory whose sinks write into `options.url`'s cluster, sharing one
// client. An invalid configuration (bad URL, SigV4 without credentials) is
// an error here, so `sluice serve` refuses to start with it.
util::Result<ingest::SinkFactory> OpenSearchSinkFactory(OpenSearchOptions options);

// Sinks that write as the given Authorization (a client's identity passed
// through the gateway), each with its own ClusterClient. The options are
// checked here (as OpenSearchSinkFactory does), so making each client later
// cannot fail.
util::Result<ingest::IdentitySinkFactory> OpenSearchIdentitySinkFactory(OpenSearchOptions options);

}  // namespace sluice::sinks::opensearch
