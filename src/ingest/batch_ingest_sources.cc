#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ingest/batch_ingest_job.h"
#include "ingest/batch_ingest_plan.h"
#include "ingest/line_reader.h"
#include "ingest/provider_output.h"
#include "metrics/registry.h"

// The sources side of BatchIngestJob that knows providers: how a provider's
// output folder is read, waiting for one still being written, and the
// outcome of a task once every source is read.
namespace sluice::ingest {

using util::Status;

namespace {

constexpr size_t kMaxManifestBytes = 1 << 20;

bool IsPrefix(const std::string& location) { return !location.empty() && location.back() == '/'; }

// The whole (small) object: a manifest.
util::Result<std::string> ReadSmallObject(const sources::SourceCatalog& catalog,
                                          const sources::DataSource& source,
                                          const sources::SourceObject& object) {
  SLUICE_ASSIGN_OR_RETURN(auto stream, catalog.Open(source, object));
  std::string text;
  char buf[16 << 10];
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, stream->Read(buf, sizeof(buf)));
    if (n == 0) break;
    text.append(buf, n);
    if (text.size() > kMaxManifestBytes) {
      return util::InvalidArgument("[" + object.location + "] is larger than 1 MiB");
    }
  }
  return text;
}

// Whether the first record of `object` is a Bedrock batch inference record.
util::Result<bool> LooksLikeBedrock(const sources::SourceCatalog& catalog,
                                    const sources::DataSource& source,
                                    const sources::SourceObject& object,
                                    simdjson::dom::parser& parser, size_t max_line_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto stream, catalog.Open(source, object));
  LineReader reader(std::move(stream), max_line_bytes);
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<Line> line, reader.Next());
    if (!line) return false;
    if (line->too_long) return false;
    if (line->text.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
    simdjson::dom::element record;
    if (parser.parse(line->text.data(), line->text.size()).get(record) != simdjson::SUCCESS) {
      return false;
    }
    return RecogniseRecord(record) == Provider::kBedrock;
  }
}

std::string SourceName(size_t slot, const std::string& location) {
  return "source[" + std::to_string(slot) + "] [" + RedactLocation(location) + "]";
}

}  // namespace

Status BatchIngestJob::ListSources(tasks::TaskContext& ctx, Plan& plan) {
  SLUICE_ASSIGN_OR_RETURN(plan.slots, sources_->List(request_.data_source));
  IngestProgress& progress = *plan.progress;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(request_.wait_for_source_ms);
  for (size_t slot = 0; slot < plan.slots.size(); ++slot) {
    const std::string& location = request_.data_source.locations[slot];
    if (plan.slots[slot].size() == 1 && IsBedrockManifest(plan.slots[slot][0].location)) {
      return util::InvalidArgument(
          SourceName(slot, location) +
          " is a Bedrock job summary (manifest.json.out), not records: give the job's output "
          "folder as a prefix (s3://bucket/output/job-id/) to read its records and check them "
          "against the summary");
    }
    const bool prefix = IsPrefix(location);
    if (!prefix && location.find('*') == std::string::npos) continue;
    for (bool waited = false;; waited = true) {
      std::vector<std::string> names;
      for (const auto& object : plan.slots[slot]) names.push_back(object.location);
      OutputFolderLayout layout = ClassifyFolder(names);
      if (!prefix) {  // a glob: the user chose the objects; only a manifest is taken out
        layout.records.insert(layout.records.end(), layout.skipped.begin(), layout.skipped.end());
        std::sort(layout.records.begin(), layout.records.end());
        layout.skipped.clear();
      }
      // Bedrock names its outputs <input>.jsonl.out; only such a folder is
      // peeked at (one extra request) to tell a job still being written.
      bool still_written = false;
      const bool bedrock_named =
          std::any_of(layout.records.begin(), layout.records.end(),
                      [&](size_t i) { return names[i].ends_with(".jsonl.out"); });
      if (!layout.manifest && prefix && bedrock_named) {
        SLUICE_ASSIGN_OR_RETURN(
            still_written,
            LooksLikeBedrock(*sources_, request_.data_source, plan.slots[slot][layout.records[0]],
                             plan.parser, options_.max_line_bytes));
      }
      if (still_written) {
        if (request_.wait_for_source_ms <= 0 || std::chrono::steady_clock::now() >= deadline) {
          return util::InvalidArgument(
              SourceName(slot, location) +
              " is a Bedrock batch inference job folder without manifest.json.out: the job has "
              "not finished writing its output" +
              (waited ? " after waiting [wait_for_source]"
                      : "; submit the request again once it has, or add \"wait_for_source\": "
                        "\"30m\" to wait for it"));
        }
        if (!waited) {
          spdlog::info(
              "event=ingest_waiting_for_source task_id={} source={} reason=\"no "
              "manifest.json.out yet\"",
              ctx.task_id(), slot);
        }
        progress.SetPhase("waiting_for_source");
        PublishProgress(ctx, progress);
        if (util::SleepUnlessCancelled(ctx.cancel_signal(),
                                       std::chrono::milliseconds(options_.source_poll_ms)) ||
            ctx.cancelled()) {
          return util::Cancelled("the task was cancelled while it waited for its source");
        }
        sources::DataSource one = request_.data_source;
        one.locations = {location};
        SLUICE_ASSIGN_OR_RETURN(auto listed, sources_->List(one));
        plan.slots[slot] = std::move(listed[0]);
        for (auto& object : plan.slots[slot]) object.slot = slot;
        continue;
      }
      std::vector<sources::SourceObject> records;
      for (size_t i : layout.records) records.push_back(plan.slots[slot][i]);
      for (size_t i : layout.skipped) progress.AddSkippedObject(slot, plan.slots[slot][i].location);
      if (layout.manifest) {
        const sources::SourceObject& object = plan.slots[slot][*layout.manifest];
        SLUICE_ASSIGN_OR_RETURN(std::string text,
                                ReadSmallObject(*sources_, request_.data_source, object));
        auto manifest = ParseBedrockManifest(text);
        if (!manifest.ok()) {
          progress.AddWarning("[" + object.location + "] is not a Bedrock job summary (" +
                              manifest.status().reason() + "); its counts are not checked");
        } else {
          progress.SetManifest(
              slot, {object.location, manifest->total_records, manifest->processed_records,
                     manifest->success_records, manifest->error_records, manifest->input_tokens,
                     manifest->output_tokens});
        }
      }
      plan.slots[slot] = std::move(records);
      break;
    }
  }
  progress.SetPhase("listing");
  return Status::Ok();
}

Status BatchIngestJob::Conclude(tasks::TaskContext& ctx, Plan& plan) {
  IngestProgress& progress = *plan.progress;
  std::string manifest_issues;
  for (size_t slot = 0; slot < plan.slots.size(); ++slot) {
    std::string issue = progress.CheckManifest(slot);
    if (!issue.empty()) manifest_issues += (manifest_issues.empty() ? "" : "; ") + issue;
  }
  if (progress.failed() > 0 && progress.written() == 0) {
    return util::InvalidArgument("no document was written: " + progress.FailureSummary());
  }
  std::string error;
  if (progress.failed() > 0) error = progress.FailureSummary();
  if (!manifest_issues.empty()) {
    error += (error.empty() ? "" : "; ") + std::string("the provider's summary disagrees: ") +
             manifest_issues;
  }
  if (!error.empty()) {
    plan.partial = true;
    ctx.SetPartialError(std::move(error));
  }
  return Status::Ok();
}

void CountTaskOutcome(metrics::Registry* registry, const Status& status, bool partial) {
  if (registry == nullptr) return;
  std::string state = status.ok() ? (partial ? "COMPLETED_WITH_ERROR" : "COMPLETED")
                      : status.code() == util::Code::kCancelled ? "CANCELLED"
                                                                : "FAILED";
  registry
      ->GetCounter("sluice_ingest_tasks_finished_total",
                   "Batch-ingestion tasks that ended, by final state.", {{"state", state}})
      ->Inc();
}

}  // namespace sluice::ingest
