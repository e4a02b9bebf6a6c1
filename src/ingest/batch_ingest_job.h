// BatchIngestJob: one batch ingestion, run as a task. It lists the request's
// sources, reads them as JSON lines, maps each record with the field_map,
// and writes documents to a DocumentSink in batches, pipelined so that
// reading and mapping run while the previous batch is written.
//
//   - One source: records stream straight to the sink.
//   - Several sources: records are staged by _id (JoinStaging) and joined
//     when every source has been read; a source without an _id path is
//     joined by position with the closest preceding source that has one (its
//     n-th record belongs to that source's n-th record), each pairing checked
//     when its records carry that source's id field (e.g. custom_id).
//
// A bad record (invalid JSON, missing id or vector, rejected by the index,
// failed by the model provider) fails alone and is counted and reported; the
// task goes on, and ends COMPLETED_WITH_ERROR — or FAILED when nothing could
// be written. Progress is
// published through the TaskContext, and a checkpoint after every durable
// batch lets a task resume after a crash without duplicating documents
// (every document has an id, so a replayed batch overwrites itself).
#pragma once

#include <memory>
#include <string>

#include "ingest/document_sink.h"
#include "ingest/ingest_request.h"
#include "tasks/task_manager.h"

namespace sluice::metrics {
class Registry;
}
namespace sluice::sources {
class SourceCatalog;
}
namespace sluice::storage {
class Store;
}

namespace sluice::ingest {

class IngestProgress;
struct IngestCheckpoint;

struct IngestOptions {
  size_t batch_documents = 500;   // documents per sink write
  size_t batch_bytes = 8u << 20;  // or this many bytes of documents per write
  size_t queue_depth = 2;         // batches mapped ahead of the writer
  // A batch goes to the sink in writes of at least this many documents, sized
  // to take about 0.25 s each, cancellation checked between them (0: the whole
  // batch in one write; see BatchWriter).
  size_t write_chunk_documents = 64;
  size_t max_line_bytes = 64u << 20;  // longer lines fail as records
  size_t max_reported_failures = 10;  // failed records listed in the progress
  // How often a source that is still being written (a Bedrock job folder
  // without its manifest, with "wait_for_source") is listed again.
  int64_t source_poll_ms = 5000;
  metrics::Registry* metrics = nullptr;  // process-wide ingest counters; none by default
};

class BatchIngestJob : public tasks::TaskJob {
 public:
  // sources, sink and store must outlive the job; store holds join staging.
  BatchIngestJob(IngestRequest request, const sources::SourceCatalog* sources,
                 std::unique_ptr<DocumentSink> sink, storage::Store* store, IngestOptions options);
  ~BatchIngestJob() override;

  util::Status Run(tasks::TaskContext& context) override;

 private:
  struct Plan;  // batch_ingest_plan.h
  util::Status RunSingle(tasks::TaskContext& ctx, Plan& plan, IngestCheckpoint& cp);
  // batch_ingest_sources.cc: lists the sources into plan.slots, reading
  // provider output folders as their layout says (a Bedrock manifest as the
  // job's summary; waiting for it when the request allows), and, once read,
  // decides the outcome: COMPLETED, COMPLETED_WITH_ERROR (SetPartialError)
  // or FAILED (an error Status) when every record failed.
  util::Status ListSources(tasks::TaskContext& ctx, Plan& plan);
  util::Status Conclude(tasks::TaskContext& ctx, Plan& plan);
  // batch_ingest_join.cc
  util::Status RunJoin(tasks::TaskContext& ctx, Plan& plan, IngestCheckpoint& cp);
  // Saves a durable batch's checkpoint (called by the writer thread).
  static util::Status CommitCheckpoint(tasks::TaskContext& ctx, IngestProgress& progress,
                                       const std::string& checkpoint);

  IngestRequest request_;
  const sources::SourceCatalog* sources_;
  std::unique_ptr<DocumentSink> sink_;
  storage::Store* store_;
  IngestOptions options_;
};

}  // namespace sluice::ingest
