// ProgressPrinter: shows a batch-ingestion task's progress while the CLI
// waits for it, and its summary at the end.
//
// On a terminal it redraws one live line (bytes and records done, rate, ETA,
// failures); otherwise it writes a plain key=value log line at most every
// `interval` (and one when the state changes), so logs of CI jobs and cron
// runs stay readable.
//
// TaskView is the task as GET /_plugins/_ml/tasks/<id> shows it, with its
// ingest_status object (see ingest/ingest_progress.h) flattened. (A server
// from before ingest_status had that object under "progress"; it is read too.)
//
// Thread-safety: one printer, one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::cli {

struct TaskView {
  std::string task_id;
  // CREATED, RUNNING, COMPLETED, COMPLETED_WITH_ERROR, FAILED, CANCELLED
  std::string state;
  std::string error;  // the task's error, when FAILED or COMPLETED_WITH_ERROR
  std::string phase;
  double progress = 0;  // ml-commons' fraction done, 0–1
  uint64_t bytes_read = 0, bytes_total = 0;
  uint64_t records_read = 0, documents_written = 0, records_failed = 0, provider_failed = 0;
  double docs_per_second = 0;
  uint64_t elapsed_ms = 0;
  std::vector<std::string> failures;  // "location:line: reason", the first few
  // Several sources: how each was joined and its counts, one line a source
  // ("source[2] other.jsonl: by position with source[1], checked by custom_id:
  // 8 joined, 0 incomplete, 1 mismatched").
  std::vector<std::string> joins;
  std::vector<std::string> warnings;
  // Provider summaries (Bedrock's manifest) and how they compare, one line each.
  std::vector<std::string> manifests;

  bool finished() const;
};

// Parses a GET task response body.
util::Result<TaskView> ParseTaskView(std::string_view task_json);

// "1.5 MiB", "12 B".
std::string HumanBytes(uint64_t bytes);
// The live line and the plain log line.
std::string FormatProgressLine(const TaskView& task);
std::string FormatProgressLog(const TaskView& task);
// The final report: state, documents written, failures (the first few
// reasons), time and docs/s. `wall_seconds` is the CLI's own waiting time.
std::string FormatSummary(const TaskView& task, std::string_view index, double wall_seconds);

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool tty, std::chrono::milliseconds interval);
  void Update(const TaskView& task);
  // Ends the live line (on a terminal) so the summary starts on its own line.
  void Finish();

 private:
  std::FILE* out_;
  const bool tty_;
  const std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  std::string last_state_;
  bool drawn_ = false;
};

}  // namespace sluice::cli
