// Internal to BatchIngestJob (included by its .cc files only): what both
// pipelines share — the listed sources, the index's fields and the parser —
// and the assembly of a document from mapped fields.
#pragma once

#include <simdjson.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ingest/batch_ingest_job.h"
#include "ingest/ingest_progress.h"
#include "ingest/join_staging.h"
#include "sources/source_catalog.h"

namespace sluice::ingest {

// Records between progress publications while reading.
inline constexpr uint64_t kProgressEvery = 2000;

struct BatchIngestJob::Plan {
  std::vector<std::vector<sources::SourceObject>> slots;
  std::set<std::string> vector_fields;
  // Written as null when a document has no value for them: the index's
  // top-level fields and every field the request maps.
  std::vector<std::string> null_fields;
  std::unique_ptr<IngestProgress> progress;
  simdjson::dom::parser parser;
  bool partial = false;  // Conclude found failures: COMPLETED_WITH_ERROR
};

// Counts a finished task into sluice_ingest_tasks_finished_total{state}.
void CountTaskOutcome(metrics::Registry* registry, const util::Status& status, bool partial);

// A JSON object of `fields`, with null for each of `nulls` not among them.
std::string AssembleDocument(const Fields& fields, const std::vector<std::string>& nulls);

// The document ml-commons writes for a record whose _id is mapped: an update
// whose "doc" is the mapped fields that have a value (an existing document
// keeps every other field) and whose "upsert" adds null for the other fields
// in `nulls` (a new document has them all).
SinkDocument UpsertDocument(std::string id, const Fields& fields,
                            const std::vector<std::string>& nulls);

// Shows the task's progress: the fraction read and the detailed status.
inline void PublishProgress(tasks::TaskContext& ctx, const IngestProgress& progress) {
  ctx.SetProgress(progress.Fraction(), progress.ToJson());
}

// Saves a checkpoint; a full disk pauses (retried once a second, like the
// local sink's writes) until it fits or the task is cancelled.
util::Status SaveCheckpointPausingOnDiskFull(tasks::TaskContext& ctx,
                                             const std::string& checkpoint);

}  // namespace sluice::ingest
