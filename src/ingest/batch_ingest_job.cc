#include "ingest/batch_ingest_job.h"

#include <spdlog/spdlog.h>

#include "ingest/batch_ingest_plan.h"
#include "ingest/batch_writer.h"
#include "ingest/ingest_checkpoint.h"
#include "ingest/record_inspector.h"
#include "ingest/record_mapper.h"
#include "ingest/slot_reader.h"
#include "json/json_writer.h"
#include "storage/store.h"

namespace sluice::ingest {

using util::Status;

Status SaveCheckpointPausingOnDiskFull(tasks::TaskContext& ctx, const std::string& checkpoint) {
  for (bool paused = false;; paused = true) {
    Status s = ctx.SaveCheckpoint(checkpoint);
    if (!storage::IsDiskFull(s)) {
      if (paused) {
        spdlog::info("event=ingest_resumed task_id={} reason=\"disk space is back\"",
                     ctx.task_id());
      }
      return s;
    }
    if (!paused) {
      spdlog::warn(
          "event=ingest_paused task_id={} reason=\"disk full\" action=\"retrying the "
          "checkpoint every second until space is freed or the task is cancelled\"",
          ctx.task_id());
    }
    if (util::SleepUnlessCancelled(ctx.cancel_signal(), std::chrono::seconds(1)) ||
        ctx.cancelled()) {
      return util::Cancelled("the task was cancelled while the disk was full");
    }
  }
}

std::string AssembleDocument(const Fields& fields, const std::vector<std::string>& nulls) {
  json::JsonWriter w;
  w.StartObject();
  for (const auto& [name, value] : fields) w.Key(name).Raw(value);
  for (const auto& name : nulls) {
    bool mapped = false;
    for (const auto& f : fields) mapped |= f.first == name;
    if (!mapped) w.Key(name).Null();
  }
  w.EndObject();
  return w.Take();
}

SinkDocument UpsertDocument(std::string id, const Fields& fields,
                            const std::vector<std::string>& nulls) {
  SinkDocument doc;
  doc.id = std::move(id);
  doc.source_json = AssembleDocument(fields, {});
  // The upsert is the doc with the nulls appended (no second walk of the values).
  std::string upsert = doc.source_json;
  upsert.pop_back();  // '}'
  bool first = fields.empty();
  for (const auto& name : nulls) {
    bool mapped = false;
    for (const auto& f : fields) mapped |= f.first == name;
    if (mapped) continue;
    json::JsonWriter key;
    key.String(name);
    if (!first) upsert += ',';
    upsert += key.Take();
    upsert += ":null";
    first = false;
  }
  upsert += '}';
  doc.upsert_json = std::move(upsert);
  return doc;
}

BatchIngestJob::BatchIngestJob(IngestRequest request, const sources::SourceCatalog* sources,
                               std::unique_ptr<DocumentSink> sink, storage::Store* store,
                               IngestOptions options)
    : request_(std::move(request)),
      sources_(sources),
      sink_(std::move(sink)),
      store_(store),
      options_(options) {}

BatchIngestJob::~BatchIngestJob() = default;

Status BatchIngestJob::Run(tasks::TaskContext& ctx) {
  Plan plan;
  std::vector<std::string> locations;
  for (const auto& loc : request_.data_source.locations) {
    locations.push_back(RedactLocation(loc));
  }
  plan.progress = std::make_unique<IngestProgress>(locations, options_.max_reported_failures);
  IngestProgress& progress = *plan.progress;
  progress.AttachMetrics(options_.metrics, request_.data_source.type);
  // Retry back-offs in the sources and the sink end when the task is cancelled.
  request_.data_source.cancel = ctx.cancel_signal();
  sink_->SetCancelSignal(ctx.cancel_signal());
  // A resumed task restores its counters before anything is shown: until then
  // the task keeps the progress persisted before the restart (publishing the
  // fresh, zeroed counters first made it drop to zero while sources listed).
  IngestCheckpoint cp;
  if (auto saved = ctx.LoadCheckpoint()) {
    SLUICE_ASSIGN_OR_RETURN(cp, IngestCheckpoint::Parse(*saved));
    if (!cp.counters.empty()) {
      SLUICE_RETURN_IF_ERROR(progress.RestoreCounters(cp.counters, cp.write_counters));
    }
  } else {
    PublishProgress(ctx, progress);
  }

  SLUICE_ASSIGN_OR_RETURN(SinkSchema schema, sink_->Describe());
  std::set<std::string> mapped;
  for (const auto& f : request_.fields) mapped.insert(f.name);
  for (const auto& v : schema.vector_fields) plan.vector_fields.insert(v.name);
  for (const auto& f : request_.fields) plan.null_fields.push_back(f.name);
  for (const auto& name : schema.top_level_fields) {
    if (!mapped.count(name)) plan.null_fields.push_back(name);
  }
  Status status = ListSources(ctx, plan);
  if (status.ok()) {
    for (size_t s = 0; s < plan.slots.size(); ++s) {
      for (const auto& object : plan.slots[s]) progress.AddBytesTotal(s, object.size.value_or(0));
    }
    status = request_.source_count() == 1 ? RunSingle(ctx, plan, cp) : RunJoin(ctx, plan, cp);
  }
  if (status.ok()) status = Conclude(ctx, plan);
  progress.SetPhase(status.ok()                               ? "done"
                    : status.code() == util::Code::kCancelled ? "cancelled"
                                                              : "failed");
  // Everything was read: done, even where the sizes were never known.
  ctx.SetProgress(status.ok() ? 1.0f : progress.Fraction(), progress.ToJson());
  CountTaskOutcome(options_.metrics, status, plan.partial);
  if (!status.ok() && status.code() != util::Code::kCancelled) {
    // ml-commons' wording for a failure while reading or writing, so that
    // clients matching on it keep working.
    return Status(status.code(), status.type(), "Failed to batch ingest: " + status.reason(),
                  status.metadata());
  }
  return status;
}

Status BatchIngestJob::CommitCheckpoint(tasks::TaskContext& ctx, IngestProgress& progress,
                                        const std::string& checkpoint) {
  // The batch was read earlier (its counters are from then); the writing
  // side's counters are as of now, when the batch is durable.
  SLUICE_ASSIGN_OR_RETURN(IngestCheckpoint cp, IngestCheckpoint::Parse(checkpoint));
  cp.write_counters = progress.SaveWriteCounters();
  Status s = SaveCheckpointPausingOnDiskFull(ctx, cp.Serialize());
  PublishProgress(ctx, progress);
  return s;
}

Status BatchIngestJob::RunSingle(tasks::TaskContext& ctx, Plan& plan, IngestCheckpoint& cp) {
  IngestProgress& progress = *plan.progress;
  progress.SetPhase("reading");
  RecordMapper mapper(request_, 0, plan.vector_fields);
  RecordInspector inspector(0, mapper, progress);
  std::unique_ptr<DocumentTyper> typer = sink_->NewTyper();
  BatchWriter writer(sink_.get(), &progress, options_.queue_depth,
                     [&](const std::string& checkpoint) {
                       return CommitCheckpoint(ctx, progress, checkpoint);
                     },
                     [&ctx] { return ctx.cancelled(); }, options_.write_chunk_documents);
  const auto& objects = plan.slots[0];
  DocumentBatch batch;
  uint64_t since_progress = 0;
  auto flush = [&](size_t object, const Line& line) -> Status {
    IngestCheckpoint next{"read",      0, object,       line.end_offset,
                          line.number, 0, std::nullopt, progress.SaveCounters(),
                          ""};
    batch.checkpoint = next.Serialize();
    Status s = writer.Push(std::move(batch));
    batch = DocumentBatch();
    return s;
  };
  SlotReader reader{ctx,      *sources_,   request_.data_source,
                    progress, plan.parser, options_.max_line_bytes};
  Line last_line;
  size_t last_object = cp.object;
  Status read = reader.Read(
      0, objects, cp.object, cp.offset, cp.line,
      [&](size_t object, const Line& line, const simdjson::dom::element* record,
          const std::string& error) -> Status {
        RecordOrigin origin{0, RedactLocation(objects[object].location), line.number, {}};
        last_line = line;
        last_object = object;
        if (++since_progress >= kProgressEvery) {
          since_progress = 0;
          PublishProgress(ctx, progress);
        }
        if (record == nullptr) {
          progress.AddFailure(origin, error);
          return Status::Ok();
        }
        if (inspector.ProviderFailed(*record, origin)) return Status::Ok();
        SinkDocument doc;
        bool assembled = false;
        auto assemble = [&](MappedRecord& mapped) {
          if (mapped.id) {
            doc = UpsertDocument(std::move(*mapped.id), mapped.fields, plan.null_fields);
          } else {
            // Without an _id path, ids are derived from the record's place in
            // the input so that a resumed task rewrites, not duplicates, documents.
            doc.id =
                ctx.task_id() + "-" + std::to_string(object) + "-" + std::to_string(line.number);
            doc.source_json = AssembleDocument(mapped.fields, plan.null_fields);
          }
          assembled = true;
        };
        // The typed document is built here, from this parse of the record,
        // while the reading thread's parser still holds it.
        auto mapped =
            mapper.Map(*record, [&](std::span<const index::RecordField> fields, MappedRecord& m) {
              assemble(m);
              if (typer) {
                doc.parsed = typer->Type(
                    doc.id, doc.upsert_json ? *doc.upsert_json : doc.source_json, fields);
              }
            });
        if (!mapped.ok()) {
          progress.AddFailure(origin, mapped.status().reason());
          return Status::Ok();
        }
        if (!assembled) assemble(*mapped);
        batch.bytes += doc.source_json.size() + (doc.upsert_json ? doc.upsert_json->size() : 0);
        batch.documents.push_back(std::move(doc));
        batch.origins.push_back(std::move(origin));
        if (batch.documents.size() >= options_.batch_documents ||
            batch.bytes >= options_.batch_bytes) {
          return flush(object, line);
        }
        return Status::Ok();
      });
  if (read.ok() && !batch.documents.empty()) read = flush(last_object, last_line);
  Status written = writer.Finish();
  return read.ok() ? written : read;
}

}  // namespace sluice::ingest
