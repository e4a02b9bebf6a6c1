// IngestProgress: the counters of one batch-ingestion task — what the task's
// "progress" object shows (bytes, records, documents, failures, rate, per
// source, the first few failed records and incomplete joins), and what a
// checkpoint keeps so that a resumed task counts on from where it stopped.
//
// Thread-safety: counters may be updated from the reading and the writing
// thread at once; all methods are thread-safe.
#pragma once

#include <rapidjson/fwd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/document_sink.h"
#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::metrics {
class Counter;
class Registry;
}  // namespace sluice::metrics

namespace sluice::json {
class JsonWriter;
}

namespace sluice::ingest {

// Where a record came from, for error reports.
struct RecordOrigin {
  size_t source = 0;
  std::string location;
  uint64_t line = 0;  // 0 when not tied to one line (a joined document)
};

class IngestProgress {
 public:
  explicit IngestProgress(std::vector<std::string> source_locations, size_t max_errors = 10);

  // Also counts into the registry's process-wide ingest counters (records
  // read/failed, documents written, bytes read by source type). Call before
  // counting starts; `registry` may be null (then nothing is exported).
  void AttachMetrics(metrics::Registry* registry, std::string_view source_type);

  void SetPhase(std::string_view phase);
  void AddBytesTotal(size_t source, uint64_t bytes);
  // Raw bytes consumed so far in the source's current object, on top of the
  // bytes of its objects already finished.
  void SetBytesRead(size_t source, uint64_t finished_objects_bytes, uint64_t current_bytes);
  // A resumed task starts reading at `bytes` (objects finished before the
  // restart): shown as read, but not counted again in the metrics.
  void ResumeBytesAt(size_t source, uint64_t bytes);
  void AddRecordRead(size_t source);
  void AddWritten(uint64_t n);
  // from_sink: the index rejected the document (counted on the writing side).
  void AddFailure(const RecordOrigin& origin, std::string reason, bool from_sink = false);
  void AddIncompleteJoin(std::string_view id);

  // Joins (several sources). How a source is joined: by its _id path, or by
  // position with an earlier source (its records' `checked_by` field, when
  // not empty, checked against the paired record's id). Call before counting.
  struct JoinMode {
    std::optional<size_t> by_position_with;
    std::string checked_by;
  };
  void SetJoinModes(const std::vector<JoinMode>& modes);
  // A record of `source` ended in a document every source contributed to
  // (joined) or in one that lacks another source's record (incomplete).
  void AddJoinOutcome(size_t source, bool complete);
  // A record of `source` joined by position whose check field disagrees with
  // its pair's id (it fails; AddFailure is called too).
  void AddJoinMismatch(size_t source);
  // The sink's counters, shown as "cluster" when the sink is remote.
  void SetSinkStats(const SinkStats& stats);

  uint64_t written() const { return written_; }
  uint64_t failed() const { return failed_; }

  // The task's "progress" object.
  std::string ToJson() const;
  // Counters for a checkpoint, and their restoration on resume. The reading
  // side runs ahead of the writer, so a checkpoint combines the counters as
  // they were when its batch was read (SaveCounters, taken then) with the
  // writing side's as they are when the batch is durable (SaveWriteCounters).
  std::string SaveCounters() const;
  std::string SaveWriteCounters() const;
  util::Status RestoreCounters(std::string_view saved, std::string_view saved_write = "");

 private:
  struct Source {
    std::string location;
    std::atomic<uint64_t> bytes_total{0};
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> records{0};
    bool joined_by_id = true;  // immutable once counting starts
    size_t by_position_with = 0;
    std::string checked_by;
    std::atomic<uint64_t> joined{0};
    std::atomic<uint64_t> join_incomplete{0};
    std::atomic<uint64_t> join_mismatched{0};
  };
  struct Failure {
    RecordOrigin origin;
    std::string reason;
  };
  double ElapsedSeconds() const;
  void WriteFailures(json::JsonWriter& w) const REQUIRES(mu_);
  void ReadFailures(const rapidjson::Value& saved) REQUIRES(mu_);
  void WriteJoin(json::JsonWriter& w, const Source& s) const;
  void SaveJoinCounters(json::JsonWriter& w) const EXCLUDES(mu_);
  void RestoreJoinCounters(const rapidjson::Value& saved) EXCLUDES(mu_);

  const size_t max_errors_;
  metrics::Counter* m_records_read_ = nullptr;
  metrics::Counter* m_records_failed_ = nullptr;
  metrics::Counter* m_written_ = nullptr;
  metrics::Counter* m_bytes_read_ = nullptr;
  std::vector<std::unique_ptr<Source>> sources_;
  std::atomic<uint64_t> records_read_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> failed_{0};        // all failed records
  std::atomic<uint64_t> write_failed_{0};  // of which the sink rejected
  std::atomic<uint64_t> incomplete_joins_{0};
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<double> prior_elapsed_s_{0};  // time spent before a restart

  mutable util::Mutex mu_;
  std::string phase_ GUARDED_BY(mu_) = "listing";
  std::vector<Failure> failures_ GUARDED_BY(mu_);
  std::vector<std::string> incomplete_ids_ GUARDED_BY(mu_);
  SinkStats sink_stats_ GUARDED_BY(mu_);
};

}  // namespace sluice::ingest
