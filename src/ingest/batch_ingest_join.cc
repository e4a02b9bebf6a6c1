#include "ingest/batch_ingest_job.h"

#include <algorithm>

#include "ingest/batch_ingest_plan.h"
#include "ingest/batch_writer.h"
#include "ingest/ingest_checkpoint.h"
#include "ingest/record_inspector.h"
#include "ingest/record_mapper.h"
#include "ingest/slot_reader.h"

// The multi-source pipeline of BatchIngestJob: stage every source by id, then
// write the joined documents in id order.
namespace sluice::ingest {

using util::Status;

namespace {

// A record joined by position that carries the anchor's id field (`check`,
// e.g. custom_id) must carry the id of the record it is paired with: files
// in different orders would otherwise join silently wrong.
Status CheckPositionPair(const simdjson::dom::element& record, const std::string& check,
                         size_t anchor, uint64_t position, const std::string& anchor_id) {
  if (check.empty()) return Status::Ok();
  simdjson::dom::element own;
  if (record[check].get(own) != simdjson::SUCCESS) return Status::Ok();
  auto own_id = IdText(own, "$." + check);
  std::string own_text = own_id.ok() ? *own_id : simdjson::minify(own);
  if (own_id.ok() && own_text == anchor_id) return Status::Ok();
  return util::InvalidArgument("join by position mismatch: this record's " + check + " [" +
                               own_text + "] differs from [" + anchor_id + "] of source[" +
                               std::to_string(anchor) + "]'s record at position " +
                               std::to_string(position + 1));
}

}  // namespace

Status BatchIngestJob::RunJoin(tasks::TaskContext& ctx, Plan& plan, IngestCheckpoint& cp) {
  IngestProgress& progress = *plan.progress;
  JoinStaging staging(store_, ctx.task_id());
  const size_t n = request_.source_count();
  // is_anchor[a]: some later source is joined by position with source a, so
  // a's records keep their places (positions) in staging.
  std::vector<bool> is_anchor(n, false);
  std::vector<IngestProgress::JoinMode> modes(n);
  for (size_t s = 0; s < n; ++s) {
    if (auto a = request_.position_anchor[s]) {
      is_anchor[*a] = true;
      modes[s] = {a, request_.position_check[s]};
    }
  }
  progress.SetJoinModes(modes);

  if (cp.phase != "merge") {
    progress.SetPhase("staging");
    for (size_t s = cp.phase == "stage" ? cp.slot : 0; s < n; ++s) {
      bool resuming = cp.phase == "stage" && s == cp.slot;
      RecordMapper mapper(request_, s, plan.vector_fields);
      RecordInspector inspector(s, mapper, progress);
      const std::optional<size_t> anchor = request_.position_anchor[s];
      const std::string& check = request_.position_check[s];
      uint64_t position = resuming ? cp.position : 0;
      uint64_t since_checkpoint = 0;
      const auto& objects = plan.slots[s];
      SlotReader reader{ctx, *sources_, request_.data_source, progress, plan.parser,
                        options_.max_line_bytes};
      Status read = reader.Read(
          s, objects, resuming ? cp.object : 0, resuming ? cp.offset : 0, resuming ? cp.line : 0,
          [&](size_t object, const Line& line, const simdjson::dom::element* record,
              const std::string& error) -> Status {
            RecordOrigin origin{s, RedactLocation(objects[object].location), line.number, {}};
            uint64_t my_position = position++;
            if (is_anchor[s] && record != nullptr) {
              // An anchor's record keeps its place in a position join even if
              // its own fields fail.
              if (auto id = mapper.Id(*record); id.ok() && *id) {
                SLUICE_RETURN_IF_ERROR(staging.AddPosition(s, my_position, **id));
              }
            }
            Status outcome;
            std::optional<MappedRecord> mapped;
            bool provider_failed = false;
            if (record == nullptr) {
              outcome = util::InvalidArgument(error);
            } else if (inspector.ProviderFailed(*record, origin)) {
              provider_failed = true;  // counted by the inspector
              outcome = util::InvalidArgument("the provider failed this record");
            } else if (auto m = mapper.Map(*record); !m.ok()) {
              outcome = m.status();
            } else {
              mapped = std::move(*m);
            }
            if (outcome.ok() && anchor) {
              auto id = staging.IdAtPosition(*anchor, my_position);
              if (!id.ok()) return id.status();
              if (!*id) {
                outcome = util::InvalidArgument(
                    "no source[" + std::to_string(*anchor) + "] record at position " +
                    std::to_string(my_position + 1) +
                    " to join this record with (it is joined by position)");
              } else {
                outcome = CheckPositionPair(*record, check, *anchor, my_position, **id);
                if (!outcome.ok()) progress.AddJoinMismatch(s);
                mapped->id = std::move(**id);
              }
            }
            if (outcome.ok()) outcome = staging.AddFragment(*mapped->id, s, mapped->fields);
            if (!outcome.ok() && !provider_failed) progress.AddFailure(origin, outcome.reason());
            if (++since_checkpoint >= kProgressEvery) {
              since_checkpoint = 0;
              SLUICE_RETURN_IF_ERROR(staging.Flush());
              IngestCheckpoint next{"stage", s, object, line.end_offset, line.number, position,
                              std::nullopt, progress.SaveCounters(), ""};
              SLUICE_RETURN_IF_ERROR(SaveCheckpointPausingOnDiskFull(ctx, next.Serialize()));
              PublishProgress(ctx, progress);
            }
            return Status::Ok();
          });
      SLUICE_RETURN_IF_ERROR(read);
      SLUICE_RETURN_IF_ERROR(staging.Flush());
      IngestCheckpoint next{"stage", s + 1, 0, 0, 0, 0, std::nullopt, progress.SaveCounters(), ""};
      if (s + 1 == n) next.phase = "merge";
      SLUICE_RETURN_IF_ERROR(SaveCheckpointPausingOnDiskFull(ctx, next.Serialize()));
      PublishProgress(ctx, progress);
    }
    cp = IngestCheckpoint{"merge", 0, 0, 0, 0, 0, std::nullopt, "", ""};
  }

  progress.SetPhase("joining");
  BatchWriter writer(sink_.get(), &progress, options_.queue_depth,
                     [&](const std::string& checkpoint) {
                       return CommitCheckpoint(ctx, progress, checkpoint);
                     },
                     [&ctx] { return ctx.cancelled(); }, options_.write_chunk_documents);
  // A source of provider failures only (an error file) has no record of a
  // document that is written: its absence leaves the join complete.
  std::vector<bool> needed(n, true);
  for (size_t s = 0; s < n; ++s) needed[s] = !progress.OnlyProviderFailures(s);
  DocumentBatch batch;
  std::string last_id;
  auto flush = [&]() -> Status {
    IngestCheckpoint next{"merge", 0, 0, 0, 0, 0, last_id, progress.SaveCounters(), ""};
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
          // Not a structured binding: clang 14 cannot capture one in the lambda.
          for (const auto& field : part) {
            auto it = std::find_if(fields.begin(), fields.end(),
                                   [&](const auto& f) { return f.first == field.first; });
            if (it != fields.end()) it->second = field.second;  // later sources win
            else fields.emplace_back(field.first, field.second);
          }
        }
        bool complete = true;
        for (size_t s = 0; s < n; ++s) complete = complete && (present[s] || !needed[s]);
        if (!complete) progress.AddIncompleteJoin(id);
        for (size_t s = 0; s < n; ++s) {
          if (present[s]) progress.AddJoinOutcome(s, complete);
        }
        SinkDocument doc = UpsertDocument(id, fields, plan.null_fields);
        batch.bytes += doc.source_json.size() + doc.upsert_json->size();
        batch.documents.push_back(std::move(doc));
        batch.origins.push_back({0, "_id [" + id + "]", 0, {}});
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
