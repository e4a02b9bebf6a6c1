#include "ingest/batch_ingest_job.h"

#include <rapidjson/document.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <set>

#include "ingest/batch_writer.h"
#include "ingest/ingest_progress.h"
#include "ingest/join_staging.h"
#include "ingest/line_reader.h"
#include "ingest/record_mapper.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "sources/source_catalog.h"
#include "storage/store.h"

namespace sluice::ingest {
namespace {

using util::Status;

// Records between progress publications while reading.
constexpr uint64_t kProgressEvery = 2000;

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

// Saves a checkpoint; a full disk pauses (retried once a second, like the
// local sink's writes) until it fits or the task is cancelled.
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

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

struct BatchIngestJob::Checkpoint {
  std::string phase = "read";  // read (one source), stage or merge (several)
  size_t slot = 0;
  size_t object = 0;
  uint64_t offset = 0;    // decompressed offset of the next unread line
  uint64_t line = 0;      // number of the last line read
  uint64_t position = 0;  // records of the slot read before this point
  std::optional<std::string> after_id;  // merge: last id written
  std::string counters;        // IngestProgress::SaveCounters when the batch was read
  std::string write_counters;  // IngestProgress::SaveWriteCounters when it was durable

  std::string Serialize() const {
    json::JsonWriter w;
    w.StartObject().Key("phase").String(phase).Key("slot").Uint(slot).Key("object").Uint(object);
    w.Key("offset").Uint(offset).Key("line").Uint(line).Key("position").Uint(position);
    if (after_id) w.Key("after_id").String(*after_id);
    if (!counters.empty()) w.Key("counters").Raw(counters);
    if (!write_counters.empty()) w.Key("write_counters").Raw(write_counters);
    w.EndObject();
    return w.Take();
  }

  // A checkpoint is read back from the task store after a restart: any member
  // of the wrong type (a damaged or foreign record) is an error, never an abort.
  static util::Result<Checkpoint> Parse(std::string_view text) {
    auto corrupt = [](const std::string& why) {
      return util::Internal("corrupt ingest checkpoint: " + why);
    };
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return corrupt("not a JSON object");
    auto phase = d.FindMember("phase");
    if (phase == d.MemberEnd() || !phase->value.IsString()) return corrupt("no phase");
    Checkpoint cp;
    cp.phase = phase->value.GetString();
    if (cp.phase != "read" && cp.phase != "stage" && cp.phase != "merge") {
      return corrupt("unknown phase [" + cp.phase + "]");
    }
    for (auto [key, target] : {std::pair<const char*, uint64_t*>{"offset", &cp.offset},
                               {"line", &cp.line},
                               {"position", &cp.position}}) {
      auto it = d.FindMember(key);
      if (it == d.MemberEnd() || !it->value.IsUint64()) {
        return corrupt(std::string("[") + key + "] is not an unsigned integer");
      }
      *target = it->value.GetUint64();
    }
    for (auto [key, target] :
         {std::pair<const char*, size_t*>{"slot", &cp.slot}, {"object", &cp.object}}) {
      auto it = d.FindMember(key);
      if (it == d.MemberEnd() || !it->value.IsUint64() || it->value.GetUint64() > (1u << 30)) {
        return corrupt(std::string("[") + key + "] is not a small unsigned integer");
      }
      *target = static_cast<size_t>(it->value.GetUint64());
    }
    if (auto it = d.FindMember("after_id"); it != d.MemberEnd()) {
      if (!it->value.IsString()) return corrupt("[after_id] is not a string");
      cp.after_id = std::string(it->value.GetString(), it->value.GetStringLength());
    }
    for (auto [key, target] : {std::pair{"counters", &cp.counters},
                               std::pair{"write_counters", &cp.write_counters}}) {
      auto it = d.FindMember(key);
      if (it == d.MemberEnd()) continue;
      if (!it->value.IsObject()) return corrupt(std::string("[") + key + "] is not an object");
      *target = json::ValueText(it->value);
    }
    return cp;
  }
};

struct BatchIngestJob::Plan {
  std::vector<std::vector<sources::SourceObject>> slots;
  std::set<std::string> vector_fields;
  // Written as null when a document has no value for them: the index's
  // top-level fields and every field the request maps.
  std::vector<std::string> null_fields;
  std::unique_ptr<IngestProgress> progress;
  simdjson::dom::parser parser;
};

namespace {

// Reads every non-blank line of one source slot from a position, parsing
// each as JSON, and hands it to `visit` (record is null when the line is not
// a JSON object; `error` then says why).
struct SlotReader {
  tasks::TaskContext& ctx;
  const sources::SourceCatalog& catalog;
  const sources::DataSource& data_source;
  IngestProgress& progress;
  simdjson::dom::parser& parser;
  size_t max_line_bytes;

  using Visit = std::function<Status(size_t object, const Line& line,
                                     const simdjson::dom::element* record,
                                     const std::string& error)>;

  Status Read(size_t slot, const std::vector<sources::SourceObject>& objects, size_t first_object,
              uint64_t offset, uint64_t line_number, const Visit& visit) {
    uint64_t finished = 0;
    for (size_t i = 0; i < first_object && i < objects.size(); ++i) {
      finished += objects[i].size.value_or(0);
    }
    if (finished > 0) progress.ResumeBytesAt(slot, finished);
    for (size_t obj = first_object; obj < objects.size(); ++obj) {
      uint64_t start = obj == first_object ? offset : 0;
      SLUICE_ASSIGN_OR_RETURN(auto source, catalog.Open(data_source, objects[obj], start));
      LineReader reader(std::move(source), max_line_bytes, start,
                        obj == first_object ? line_number + 1 : 1);
      while (true) {
        if (ctx.cancelled()) return util::Cancelled("the task was cancelled");
        SLUICE_ASSIGN_OR_RETURN(std::optional<Line> line, reader.Next());
        if (!line) break;
        progress.SetBytesRead(slot, finished, reader.raw_bytes_read());
        if (!line->too_long && IsBlank(line->text)) continue;
        progress.AddRecordRead(slot);
        if (line->too_long) {
          SLUICE_RETURN_IF_ERROR(visit(obj, *line, nullptr,
                                       "line is longer than " + std::to_string(max_line_bytes) +
                                           " bytes"));
          continue;
        }
        simdjson::dom::element record;
        auto error = parser.parse(line->text.data(), line->text.size()).get(record);
        if (error) {
          SLUICE_RETURN_IF_ERROR(visit(obj, *line, nullptr,
                                       std::string("invalid JSON: ") + simdjson::error_message(error)));
        } else if (!record.is_object()) {
          SLUICE_RETURN_IF_ERROR(visit(obj, *line, nullptr, "a record must be a JSON object"));
        } else {
          SLUICE_RETURN_IF_ERROR(visit(obj, *line, &record, ""));
        }
      }
      finished += objects[obj].size.value_or(reader.raw_bytes_read());
      progress.SetBytesRead(slot, finished, 0);
    }
    return Status::Ok();
  }
};

}  // namespace

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
  Checkpoint cp;
  if (auto saved = ctx.LoadCheckpoint()) {
    SLUICE_ASSIGN_OR_RETURN(cp, Checkpoint::Parse(*saved));
    if (!cp.counters.empty()) {
      SLUICE_RETURN_IF_ERROR(progress.RestoreCounters(cp.counters, cp.write_counters));
    }
  } else {
    ctx.SetProgress(progress.ToJson());
  }

  SLUICE_ASSIGN_OR_RETURN(SinkSchema schema, sink_->Describe());
  std::set<std::string> mapped;
  for (const auto& f : request_.fields) mapped.insert(f.name);
  for (const auto& v : schema.vector_fields) plan.vector_fields.insert(v.name);
  for (const auto& f : request_.fields) plan.null_fields.push_back(f.name);
  for (const auto& name : schema.top_level_fields) {
    if (!mapped.count(name)) plan.null_fields.push_back(name);
  }
  SLUICE_ASSIGN_OR_RETURN(plan.slots, sources_->List(request_.data_source));
  for (size_t s = 0; s < plan.slots.size(); ++s) {
    for (const auto& object : plan.slots[s]) progress.AddBytesTotal(s, object.size.value_or(0));
  }
  Status status = request_.source_count() == 1 ? RunSingle(ctx, plan, cp) : RunJoin(ctx, plan, cp);
  progress.SetPhase(status.ok() ? "done" : status.code() == util::Code::kCancelled ? "cancelled"
                                                                                   : "failed");
  ctx.SetProgress(progress.ToJson());
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
  SLUICE_ASSIGN_OR_RETURN(Checkpoint cp, Checkpoint::Parse(checkpoint));
  cp.write_counters = progress.SaveWriteCounters();
  Status s = SaveCheckpointPausingOnDiskFull(ctx, cp.Serialize());
  ctx.SetProgress(progress.ToJson());
  return s;
}

Status BatchIngestJob::RunSingle(tasks::TaskContext& ctx, Plan& plan, Checkpoint& cp) {
  IngestProgress& progress = *plan.progress;
  progress.SetPhase("reading");
  RecordMapper mapper(request_, 0, plan.vector_fields);
  BatchWriter writer(sink_.get(), &progress, options_.queue_depth,
                     [&](const std::string& checkpoint) {
                       return CommitCheckpoint(ctx, progress, checkpoint);
                     });
  const auto& objects = plan.slots[0];
  DocumentBatch batch;
  uint64_t since_progress = 0;
  auto flush = [&](size_t object, const Line& line) -> Status {
    Checkpoint next{"read", 0, object, line.end_offset, line.number, 0, std::nullopt,
                    progress.SaveCounters(), ""};
    batch.checkpoint = next.Serialize();
    Status s = writer.Push(std::move(batch));
    batch = DocumentBatch();
    return s;
  };
  SlotReader reader{ctx, *sources_, request_.data_source, progress, plan.parser,
                    options_.max_line_bytes};
  Line last_line;
  size_t last_object = cp.object;
  Status read = reader.Read(
      0, objects, cp.object, cp.offset, cp.line,
      [&](size_t object, const Line& line, const simdjson::dom::element* record,
          const std::string& error) -> Status {
        RecordOrigin origin{0, RedactLocation(objects[object].location), line.number};
        last_line = line;
        last_object = object;
        if (++since_progress >= kProgressEvery) {
          since_progress = 0;
          ctx.SetProgress(progress.ToJson());
        }
        if (record == nullptr) {
          progress.AddFailure(origin, error);
          return Status::Ok();
        }
        auto mapped = mapper.Map(*record);
        if (!mapped.ok()) {
          progress.AddFailure(origin, mapped.status().reason());
          return Status::Ok();
        }
        // Without an _id path, ids are derived from the record's place in the
        // input so that a resumed task rewrites, not duplicates, documents.
        std::string id = mapped->id ? *mapped->id
                                    : ctx.task_id() + "-" + std::to_string(object) + "-" +
                                          std::to_string(line.number);
        std::string source = AssembleDocument(mapped->fields, plan.null_fields);
        batch.bytes += source.size();
        batch.documents.push_back({std::move(id), std::move(source)});
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

Status BatchIngestJob::RunJoin(tasks::TaskContext& ctx, Plan& plan, Checkpoint& cp) {
  IngestProgress& progress = *plan.progress;
  JoinStaging staging(store_, ctx.task_id());
  const size_t n = request_.source_count();
  bool any_by_position = false;
  for (size_t s = 1; s < n; ++s) any_by_position |= !request_.id_paths[s].has_value();

  if (cp.phase != "merge") {
    progress.SetPhase("staging");
    for (size_t s = cp.phase == "stage" ? cp.slot : 0; s < n; ++s) {
      bool resuming = cp.phase == "stage" && s == cp.slot;
      RecordMapper mapper(request_, s, plan.vector_fields);
      uint64_t position = resuming ? cp.position : 0;
      uint64_t since_checkpoint = 0;
      const auto& objects = plan.slots[s];
      SlotReader reader{ctx, *sources_, request_.data_source, progress, plan.parser,
                        options_.max_line_bytes};
      Status read = reader.Read(
          s, objects, resuming ? cp.object : 0, resuming ? cp.offset : 0, resuming ? cp.line : 0,
          [&](size_t object, const Line& line, const simdjson::dom::element* record,
              const std::string& error) -> Status {
            RecordOrigin origin{s, RedactLocation(objects[object].location), line.number};
            uint64_t my_position = position++;
            if (s == 0 && any_by_position && record != nullptr) {
              // Source 0's record keeps its place in a position join even if
              // its own fields fail.
              if (auto id = mapper.Id(*record); id.ok() && *id) {
                SLUICE_RETURN_IF_ERROR(staging.AddPosition(my_position, **id));
              }
            }
            Status outcome;
            std::optional<MappedRecord> mapped;
            if (record == nullptr) {
              outcome = util::InvalidArgument(error);
            } else if (auto m = mapper.Map(*record); !m.ok()) {
              outcome = m.status();
            } else {
              mapped = std::move(*m);
            }
            if (outcome.ok() && !mapped->id) {
              auto id = staging.IdAtPosition(my_position);
              if (!id.ok()) return id.status();
              if (!*id) {
                outcome = util::InvalidArgument(
                    "no source[0] record at position " + std::to_string(my_position + 1) +
                    " to join this record with (it is joined by position)");
              } else {
                mapped->id = **id;
              }
            }
            if (outcome.ok()) outcome = staging.AddFragment(*mapped->id, s, mapped->fields);
            if (!outcome.ok()) progress.AddFailure(origin, outcome.reason());
            if (++since_checkpoint >= kProgressEvery) {
              since_checkpoint = 0;
              SLUICE_RETURN_IF_ERROR(staging.Flush());
              Checkpoint next{"stage", s, object, line.end_offset, line.number, position,
                              std::nullopt, progress.SaveCounters(), ""};
              SLUICE_RETURN_IF_ERROR(SaveCheckpointPausingOnDiskFull(ctx, next.Serialize()));
              ctx.SetProgress(progress.ToJson());
            }
            return Status::Ok();
          });
      SLUICE_RETURN_IF_ERROR(read);
      SLUICE_RETURN_IF_ERROR(staging.Flush());
      Checkpoint next{"stage", s + 1, 0, 0, 0, 0, std::nullopt, progress.SaveCounters(), ""};
      if (s + 1 == n) next.phase = "merge";
      SLUICE_RETURN_IF_ERROR(SaveCheckpointPausingOnDiskFull(ctx, next.Serialize()));
      ctx.SetProgress(progress.ToJson());
    }
    cp = Checkpoint{"merge", 0, 0, 0, 0, 0, std::nullopt, "", ""};
  }

  progress.SetPhase("joining");
  BatchWriter writer(sink_.get(), &progress, options_.queue_depth,
                     [&](const std::string& checkpoint) {
                       return CommitCheckpoint(ctx, progress, checkpoint);
                     });
  DocumentBatch batch;
  std::string last_id;
  auto flush = [&]() -> Status {
    Checkpoint next{"merge", 0, 0, 0, 0, 0, last_id, progress.SaveCounters(), ""};
    batch.checkpoint = next.Serialize();
    Status s = writer.Push(std::move(batch));
    batch = DocumentBatch();
    return s;
  };
  Status merged = staging.ForEachDocument(
      cp.after_id, [&](const std::string& id, const std::vector<std::pair<size_t, Fields>>& parts)
                       -> Status {
        if (ctx.cancelled()) return util::Cancelled("the task was cancelled");
        Fields fields;
        std::vector<bool> present(n, false);
        for (const auto& [source, part] : parts) {
          if (source < n) present[source] = true;
          for (const auto& [name, value] : part) {
            auto it = std::find_if(fields.begin(), fields.end(),
                                   [&](const auto& f) { return f.first == name; });
            if (it != fields.end()) it->second = value;  // later sources win
            else fields.emplace_back(name, value);
          }
        }
        if (std::find(present.begin(), present.end(), false) != present.end()) {
          progress.AddIncompleteJoin(id);
        }
        std::string source = AssembleDocument(fields, plan.null_fields);
        batch.bytes += source.size();
        batch.documents.push_back({id, std::move(source)});
        batch.origins.push_back({0, "_id [" + id + "]", 0});
        last_id = id;
        if (batch.documents.size() >= options_.batch_documents ||
            batch.bytes >= options_.batch_bytes) {
          return flush();
        }
        return Status::Ok();
      });
  if (merged.ok() && !batch.documents.empty()) merged = flush();
  Status written = writer.Finish();
  Status result = merged.ok() ? written : merged;
  // Staging is kept when the task stopped for a restart or cancel (it may be
  // resumed); the service removes staging of finished tasks at start.
  if (result.ok() || result.code() != util::Code::kCancelled) (void)staging.Drop();
  return result;
}

}  // namespace sluice::ingest
