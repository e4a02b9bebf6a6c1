// BatchWriter: the writing half of the ingest pipeline. The reading thread
// pushes batches of mapped documents; a writer thread sends them to the
// DocumentSink, records per-document failures and, after each batch is
// durable, calls `committed` with the batch's checkpoint. The queue holds at
// most `depth` batches, so reading runs ahead of writing by a bounded amount
// (memory stays bounded) while both run at once (graph building hides
// parsing and mapping).
//
// Thread-safety: Push and Finish are called from one (the reading) thread.
// The writer thread catches everything at its edge: an exception thrown by the
// sink or the commit callback becomes the writer's error (kInternal), which
// Push and Finish return; it never ends the process.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/document_sink.h"
#include "ingest/ingest_progress.h"

namespace sluice::ingest {

struct DocumentBatch {
  std::vector<SinkDocument> documents;
  std::vector<RecordOrigin> origins;  // one per document
  size_t bytes = 0;
  std::string checkpoint;  // the resume point once this batch is written
};

class BatchWriter {
 public:
  BatchWriter(DocumentSink* sink, IngestProgress* progress, size_t depth,
              std::function<util::Status(const std::string& checkpoint)> committed);
  ~BatchWriter();  // finishes (drops queued batches if Finish was not called)

  // Queues a batch, blocking while `depth` batches wait. Returns the writer's
  // error if writing has failed (the reader then stops).
  util::Status Push(DocumentBatch batch);
  // Waits until every queued batch is written; the first fatal error, if any.
  util::Status Finish();

 private:
  void Loop();
  // Writes one batch and commits its checkpoint; may throw (the sink's code).
  util::Status WriteOne(DocumentBatch& batch);

  DocumentSink* sink_;
  IngestProgress* progress_;
  const size_t depth_;
  std::function<util::Status(const std::string&)> committed_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<DocumentBatch> queue_;  // guarded by mu_
  bool closing_ = false;             // guarded by mu_
  bool busy_ = false;                // guarded by mu_: a batch is being written
  util::Status error_;               // guarded by mu_
  std::thread thread_;
};

}  // namespace sluice::ingest
