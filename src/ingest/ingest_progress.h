// IngestProgress: the counters of one batch-ingestion task — what the task's
// "ingest_status" object shows (bytes, records, documents, failures, rate, per
// source, the first few failed records, incomplete joins, warnings, provider
// failures and the provider's own summary), the fraction ml-commons' "progress"
// float shows, and what a checkpoint keeps so that a resumed task counts on
// from where it stopped.
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
  // The record's _id when known (a provider-failed record's, so that the
  // failure names the input it belongs to); "" otherwise.
  std::string id;
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
  // The provider failed this input (an OpenAI error line, a Bedrock error
  // record): a failed record, counted apart too. `provider` is "openai", ...
  void AddProviderFailure(const RecordOrigin& origin, std::string_view provider,
                          std::string reason);
  // What the source's records are ("openai", "bedrock", "sagemaker"), once known.
  void SetProvider(size_t source, std::string_view provider);
  // An object of a provider's output folder that holds no records (listed).
  void AddSkippedObject(size_t source, std::string location);
  // Something the user should know that fails nothing (a path that selects
  // nothing on a file's first record). At most max_errors are kept.
  void AddWarning(std::string warning);
  // The provider's own summary of a source (Bedrock's manifest.json.out): a
  // JSON object text, shown as the source's "manifest". CheckManifest compares
  // its counts with the task's once the source is read; a disagreement is
  // listed in it and returned ("" when they agree).
  struct ManifestCounts {
    std::string location;
    std::optional<uint64_t> total, processed, success, error, input_tokens, output_tokens;
  };
  void SetManifest(size_t source, ManifestCounts manifest);
  std::string CheckManifest(size_t source);
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
  uint64_t records_read() const { return records_read_; }
  uint64_t provider_failed() const { return provider_failed_; }
  // Whether every record source `source` read was a provider failure (an
  // OpenAI error file): a document then needs no record of it to be complete.
  bool OnlyProviderFailures(size_t source) const {
    return source < sources_.size() && sources_[source]->records > 0 &&
           sources_[source]->provider_failed == sources_[source]->records;
  }

  // The task's "ingest_status" object.
  std::string ToJson() const;
  // ml-commons' "progress": the fraction of the sources' bytes read, 0–1
  // (0 while the sizes are unknown).
  float Fraction() const;
  // The task's error text for a partial failure: counts and the first reasons
  // ("3 of 10 records failed (2 by the provider): <location>:4: openai: ...").
  std::string FailureSummary() const;
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
    std::atomic<uint64_t> provider_failed{0};
    // Guarded by the IngestProgress's mu_ (the analysis cannot name it from here).
    std::string provider;
    std::vector<std::string> skipped;
    std::optional<ManifestCounts> manifest;
    std::vector<std::string> manifest_mismatches;
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
  void WriteSourceExtras(json::JsonWriter& w, const Source& s) const REQUIRES(mu_);

  const size_t max_errors_;
  metrics::Counter* m_records_read_ = nullptr;
  metrics::Counter* m_records_failed_ = nullptr;
  metrics::Counter* m_written_ = nullptr;
  metrics::Counter* m_bytes_read_ = nullptr;
  std::vector<std::unique_ptr<Source>> sources_;
  std::atomic<uint64_t> records_read_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> failed_{0};           // all failed records
  std::atomic<uint64_t> write_failed_{0};     // of which the sink rejected
  std::atomic<uint64_t> provider_failed_{0};  // of which the provider failed
  std::atomic<uint64_t> incomplete_joins_{0};
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<double> prior_elapsed_s_{0};  // time spent before a restart

  mutable util::Mutex mu_;
  std::string phase_ GUARDED_BY(mu_) = "listing";
  std::vector<Failure> failures_ GUARDED_BY(mu_);
  std::vector<std::string> incomplete_ids_ GUARDED_BY(mu_);
  std::vector<std::string> warnings_ GUARDED_BY(mu_);
  metrics::Registry* registry_ = nullptr;
  SinkStats sink_stats_ GUARDED_BY(mu_);
};

}  // namespace sluice::ingest
