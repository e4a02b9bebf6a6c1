// BatchWriter: the writing half of the ingest pipeline. The reading thread
// pushes batches of mapped documents; a writer thread sends them to the
// DocumentSink, records per-document failures and, after each batch is
// durable, calls `committed` with the batch's checkpoint. The queue holds at
// most `depth` batches, so reading runs ahead of writing by a bounded amount
// (memory stays bounded) while both run at once (graph building hides
// parsing and mapping).
//
// Cancellation: once `cancelled()` is true, nothing more is sent — queued
// batches are dropped, a batch being written stops after its current chunk,
// Push stops waiting for room and Push/Finish return a Cancelled status. What was
// written stays; the last committed checkpoint is the resume point.
//
// Chunks: with `chunk_documents` > 0 a batch goes to the sink in writes of
// at least that many documents, sized from the last write's speed to take
// about kChunkTargetSeconds (0.25 s) each (cheap documents: the whole batch
// in one write, so no more syncs than before; slow ones, e.g. large HNSW graphs under load:
// small writes, so a cancel is seen soon). 0: always the whole batch.
//
// Thread-safety: Push and Finish are called from one (the reading) thread;
// `cancelled` is called from both threads. The writer thread catches
// everything at its edge: an exception thrown by the sink or the commit
// callback becomes the writer's error (kInternal), which Push and Finish
// return; it never ends the process.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ingest/document_sink.h"
#include "ingest/ingest_progress.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

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
              std::function<util::Status(const std::string& checkpoint)> committed,
              std::function<bool()> cancelled = {}, size_t chunk_documents = 0);
  ~BatchWriter();  // finishes (drops queued batches if Finish was not called)

  // Queues a batch, blocking while `depth` batches wait. Returns the writer's
  // error if writing has failed (the reader then stops), Cancelled once
  // cancelled.
  util::Status Push(DocumentBatch batch) EXCLUDES(mu_);
  // Waits until every queued batch is written; the first fatal error, if any.
  // Cancelled: waits only for the chunk being written.
  util::Status Finish() EXCLUDES(mu_);

 private:
  void Loop() EXCLUDES(mu_);
  bool Cancelled() const { return cancelled_ && cancelled_(); }
  // Waits on cv_ until pred() or cancellation (polled: the flag has no notifier).
  template <typename Pred>
  void WaitOrCancel(Pred pred) REQUIRES(mu_);
  // Writes one batch in chunks and commits its checkpoint; the first fatal
  // error, or Cancelled. May throw (the sink's code).
  util::Status WriteBatch(DocumentBatch& batch) EXCLUDES(mu_);

  DocumentSink* sink_;
  IngestProgress* progress_;
  const size_t depth_;
  std::function<util::Status(const std::string&)> committed_;
  const std::function<bool()> cancelled_;
  const size_t chunk_documents_;
  size_t next_chunk_ = 0;  // writer thread only: documents in the next sink write

  util::Mutex mu_;
  util::CondVar cv_;  // with mu_: the queue, busy_ or error_ changed
  std::deque<DocumentBatch> queue_ GUARDED_BY(mu_);
  bool closing_ GUARDED_BY(mu_) = false;
  bool busy_ GUARDED_BY(mu_) = false;  // a batch is being written
  bool dropped_ GUARDED_BY(mu_) = false;  // a batch was cut short by cancellation
  util::Status error_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace sluice::ingest
