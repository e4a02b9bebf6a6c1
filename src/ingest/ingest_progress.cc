#include "ingest/ingest_progress.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "json/json_writer.h"
#include "metrics/registry.h"

namespace sluice::ingest {
namespace {
constexpr size_t kMaxIncompleteIds = 5;
}

IngestProgress::IngestProgress(std::vector<std::string> source_locations, size_t max_errors)
    : max_errors_(max_errors) {
  for (auto& location : source_locations) {
    sources_.push_back(std::make_unique<Source>());
    sources_.back()->location = std::move(location);
  }
}

void IngestProgress::AttachMetrics(metrics::Registry* registry, std::string_view source_type) {
  if (registry == nullptr) return;
  registry_ = registry;
  std::string type;
  for (char c : source_type) type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  m_records_read_ = registry->GetCounter("sluice_ingest_records_read_total",
                                         "Input records (JSON lines) read by batch ingestion.");
  m_records_failed_ = registry->GetCounter("sluice_ingest_records_failed_total",
                                           "Input records that failed (bad JSON, mapping, index).");
  m_written_ = registry->GetCounter("sluice_ingest_documents_written_total",
                                    "Documents written by batch ingestion.");
  m_bytes_read_ =
      registry->GetCounter("sluice_ingest_bytes_read_total",
                           "Raw bytes read from batch-ingestion sources.", {{"source_type", type}});
}

void IngestProgress::AddWritten(uint64_t n) {
  written_ += n;
  if (m_written_ != nullptr) m_written_->Inc(n);
}

void IngestProgress::SetPhase(std::string_view phase) {
  util::MutexLock lock(&mu_);
  phase_ = std::string(phase);
}

void IngestProgress::AddBytesTotal(size_t source, uint64_t bytes) {
  sources_[source]->bytes_total += bytes;
}

void IngestProgress::SetBytesRead(size_t source, uint64_t finished, uint64_t current) {
  const uint64_t now = finished + current;
  const uint64_t before = sources_[source]->bytes_read.exchange(now);
  if (m_bytes_read_ != nullptr && now > before) m_bytes_read_->Inc(now - before);
}

void IngestProgress::ResumeBytesAt(size_t source, uint64_t bytes) {
  sources_[source]->bytes_read = bytes;
}

void IngestProgress::AddRecordRead(size_t source) {
  ++records_read_;
  ++sources_[source]->records;
  if (m_records_read_ != nullptr) m_records_read_->Inc();
}

void IngestProgress::AddFailure(const RecordOrigin& origin, std::string reason, bool from_sink) {
  ++failed_;
  if (from_sink) ++write_failed_;
  if (m_records_failed_ != nullptr) m_records_failed_->Inc();
  util::MutexLock lock(&mu_);
  if (failures_.size() < max_errors_) failures_.push_back({origin, std::move(reason)});
}

void IngestProgress::AddProviderFailure(const RecordOrigin& origin, std::string_view provider,
                                        std::string reason) {
  ++provider_failed_;
  if (origin.source < sources_.size()) ++sources_[origin.source]->provider_failed;
  if (registry_ != nullptr) {
    registry_
        ->GetCounter("sluice_ingest_provider_failures_total",
                     "Input records the model provider failed (OpenAI error lines, Bedrock "
                     "error records); counted in sluice_ingest_records_failed_total too.",
                     {{"provider", std::string(provider)}})
        ->Inc();
  }
  AddFailure(origin, std::move(reason));
}

void IngestProgress::SetProvider(size_t source, std::string_view provider) {
  if (source >= sources_.size()) return;
  util::MutexLock lock(&mu_);
  sources_[source]->provider = std::string(provider);
}

void IngestProgress::AddSkippedObject(size_t source, std::string location) {
  if (source >= sources_.size()) return;
  util::MutexLock lock(&mu_);
  auto& skipped = sources_[source]->skipped;
  if (skipped.size() < max_errors_) skipped.push_back(std::move(location));
}

void IngestProgress::AddWarning(std::string warning) {
  util::MutexLock lock(&mu_);
  if (warnings_.size() < max_errors_ &&
      std::find(warnings_.begin(), warnings_.end(), warning) == warnings_.end()) {
    warnings_.push_back(std::move(warning));
  }
}

void IngestProgress::SetManifest(size_t source, ManifestCounts manifest) {
  if (source >= sources_.size()) return;
  util::MutexLock lock(&mu_);
  sources_[source]->manifest = std::move(manifest);
  sources_[source]->manifest_mismatches.clear();
}

std::string IngestProgress::CheckManifest(size_t source) {
  if (source >= sources_.size()) return "";
  Source& s = *sources_[source];
  util::MutexLock lock(&mu_);
  if (!s.manifest) return "";
  const uint64_t read = s.records, failed = s.provider_failed;
  std::vector<std::string>& out = s.manifest_mismatches;
  out.clear();
  auto check = [&](const char* name, const std::optional<uint64_t>& expected, uint64_t seen,
                   const char* what) {
    if (expected && *expected != seen) {
      out.push_back(std::string(name) + " is " + std::to_string(*expected) + " but " + what + " " +
                    std::to_string(seen));
    }
  };
  check("processedRecordCount", s.manifest->processed, read, "the task read");
  check("successRecordCount", s.manifest->success, read - std::min(read, failed),
        "the task read records without a provider error:");
  check("errorRecordCount", s.manifest->error, failed, "the task found error records:");
  if (out.empty()) return "";
  std::string text = "source[" + std::to_string(source) + "]'s " + s.manifest->location + ": ";
  for (size_t i = 0; i < out.size(); ++i) text += (i ? "; " : "") + out[i];
  return text;
}

float IngestProgress::Fraction() const {
  uint64_t read = 0, total = 0;
  for (const auto& s : sources_) {
    read += s->bytes_read;
    total += s->bytes_total;
  }
  if (total == 0) return 0;
  return std::min(1.0f, static_cast<float>(static_cast<double>(read) / static_cast<double>(total)));
}

std::string IngestProgress::FailureSummary() const {
  std::string out = std::to_string(failed_.load()) + " of " + std::to_string(records_read_.load()) +
                    " records failed";
  if (provider_failed_ > 0)
    out += " (" + std::to_string(provider_failed_.load()) + " by the provider)";
  util::MutexLock lock(&mu_);
  constexpr size_t kReasons = 3;
  for (size_t i = 0; i < failures_.size() && i < kReasons; ++i) {
    const Failure& f = failures_[i];
    out += i == 0 ? ": " : "; ";
    out += f.origin.location;
    if (f.origin.line > 0) out += ":" + std::to_string(f.origin.line);
    out += ": " + f.reason;
  }
  if (failed_ > kReasons && failures_.size() >= kReasons) out += "; ...";
  return out;
}

void IngestProgress::AddIncompleteJoin(std::string_view id) {
  ++incomplete_joins_;
  util::MutexLock lock(&mu_);
  if (incomplete_ids_.size() < kMaxIncompleteIds) incomplete_ids_.emplace_back(id);
}

void IngestProgress::SetJoinModes(const std::vector<JoinMode>& modes) {
  for (size_t i = 0; i < modes.size() && i < sources_.size(); ++i) {
    sources_[i]->joined_by_id = !modes[i].by_position_with.has_value();
    sources_[i]->by_position_with = modes[i].by_position_with.value_or(0);
    sources_[i]->checked_by = modes[i].checked_by;
  }
}

void IngestProgress::AddJoinOutcome(size_t source, bool complete) {
  if (source >= sources_.size()) return;
  ++(complete ? sources_[source]->joined : sources_[source]->join_incomplete);
}

void IngestProgress::AddJoinMismatch(size_t source) {
  if (source < sources_.size()) ++sources_[source]->join_mismatched;
}

void IngestProgress::WriteJoin(json::JsonWriter& w, const Source& s) const {
  w.Key("join").StartObject();
  if (s.joined_by_id) {
    w.Key("mode").String("by_id");
  } else {
    w.Key("mode").String("by_position").Key("by_position_with").Uint(s.by_position_with);
    if (!s.checked_by.empty()) w.Key("checked_by").String(s.checked_by);
  }
  w.Key("joined").Uint(s.joined).Key("incomplete").Uint(s.join_incomplete);
  w.Key("mismatched").Uint(s.join_mismatched).EndObject();
}

void IngestProgress::SaveJoinCounters(json::JsonWriter& w) const {
  w.Key("source_joins").StartArray();
  for (const auto& s : sources_) {
    w.StartArray().Uint(s->joined).Uint(s->join_incomplete).Uint(s->join_mismatched).EndArray();
  }
  w.EndArray();
}

void IngestProgress::RestoreJoinCounters(const rapidjson::Value& d) {
  auto it = d.FindMember("source_joins");
  if (it == d.MemberEnd() || !it->value.IsArray()) return;
  const auto& a = it->value;
  for (rapidjson::SizeType i = 0; i < a.Size() && i < sources_.size(); ++i) {
    if (!a[i].IsArray() || a[i].Size() != 3) continue;
    std::atomic<uint64_t>* targets[] = {&sources_[i]->joined, &sources_[i]->join_incomplete,
                                        &sources_[i]->join_mismatched};
    for (rapidjson::SizeType k = 0; k < 3; ++k) {
      if (a[i][k].IsUint64()) *targets[k] = a[i][k].GetUint64();
    }
  }
}

void IngestProgress::SetSinkStats(const SinkStats& stats) {
  util::MutexLock lock(&mu_);
  sink_stats_ = stats;
}

double IngestProgress::ElapsedSeconds() const {
  return prior_elapsed_s_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void IngestProgress::WriteSourceExtras(json::JsonWriter& w, const Source& s) const {
  if (!s.provider.empty()) {
    w.Key("provider").String(s.provider).Key("provider_failed").Uint(s.provider_failed);
  }
  if (!s.skipped.empty()) {
    w.Key("skipped_objects").StartArray();
    for (const auto& location : s.skipped) w.String(location);
    w.EndArray();
  }
  if (s.manifest) {
    const ManifestCounts& m = *s.manifest;
    w.Key("manifest").StartObject().Key("location").String(m.location);
    auto count = [&w](const char* key, const std::optional<uint64_t>& v) {
      if (v) w.Key(key).Uint(*v);
    };
    count("totalRecordCount", m.total);
    count("processedRecordCount", m.processed);
    count("successRecordCount", m.success);
    count("errorRecordCount", m.error);
    count("inputTokenCount", m.input_tokens);
    count("outputTokenCount", m.output_tokens);
    w.Key("mismatches").StartArray();
    for (const auto& text : s.manifest_mismatches) w.String(text);
    w.EndArray().EndObject();
  }
}

std::string IngestProgress::ToJson() const {
  uint64_t bytes_read = 0, bytes_total = 0;
  for (const auto& s : sources_) {
    bytes_read += s->bytes_read;
    bytes_total += s->bytes_total;
  }
  double elapsed = ElapsedSeconds();
  json::JsonWriter w;
  w.StartObject();
  util::MutexLock lock(&mu_);
  w.Key("phase").String(phase_);
  w.Key("bytes_read").Uint(bytes_read).Key("bytes_total").Uint(bytes_total);
  w.Key("records_read").Uint(records_read_).Key("documents_written").Uint(written_);
  w.Key("records_failed").Uint(failed_);
  w.Key("provider_failed").Uint(provider_failed_);
  w.Key("docs_per_second").Double(elapsed > 0 ? static_cast<double>(written_) / elapsed : 0.0);
  w.Key("elapsed_ms").Uint(static_cast<uint64_t>(elapsed * 1000));
  w.Key("sources").StartArray();
  for (const auto& s : sources_) {
    w.StartObject().Key("location").String(s->location);
    w.Key("bytes_read").Uint(s->bytes_read).Key("bytes_total").Uint(s->bytes_total);
    w.Key("records_read").Uint(s->records);
    WriteSourceExtras(w, *s);
    if (sources_.size() > 1) WriteJoin(w, *s);
    w.EndObject();
  }
  w.EndArray();
  if (sink_stats_.remote) {
    w.Key("cluster").StartObject();
    w.Key("bulk_requests").Uint(sink_stats_.bulk_requests);
    w.Key("documents_retried").Uint(sink_stats_.documents_retried);
    w.Key("items_rejected").Uint(sink_stats_.items_rejected);
    w.Key("docs_per_second").Double(sink_stats_.docs_per_second);
    w.EndObject();
  }
  if (sources_.size() > 1) {
    w.Key("incomplete_joins").Uint(incomplete_joins_);
    w.Key("incomplete_join_ids").StartArray();
    for (const auto& id : incomplete_ids_) w.String(id);
    w.EndArray();
  }
  w.Key("warnings").StartArray();
  for (const auto& warning : warnings_) w.String(warning);
  w.EndArray();
  w.Key("failures").StartArray();
  for (const auto& f : failures_) {
    w.StartObject().Key("source").Uint(f.origin.source).Key("location").String(f.origin.location);
    if (f.origin.line > 0) w.Key("line").Uint(f.origin.line);
    if (!f.origin.id.empty()) w.Key("id").String(f.origin.id);
    w.Key("reason").String(f.reason).EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

void IngestProgress::WriteFailures(json::JsonWriter& w) const {
  w.Key("failures").StartArray();
  for (const auto& f : failures_) {
    w.StartObject().Key("source").Uint(f.origin.source).Key("location").String(f.origin.location);
    w.Key("line").Uint(f.origin.line);
    if (!f.origin.id.empty()) w.Key("id").String(f.origin.id);
    w.Key("reason").String(f.reason).EndObject();
  }
  w.EndArray();
}

std::string IngestProgress::SaveCounters() const {
  json::JsonWriter w;
  w.StartObject();
  w.Key("records_read").Uint(records_read_).Key("written").Uint(written_);
  w.Key("failed").Uint(failed_).Key("write_failed").Uint(write_failed_);
  w.Key("incomplete_joins").Uint(incomplete_joins_);
  w.Key("provider_failed").Uint(provider_failed_);
  w.Key("elapsed_s").Double(ElapsedSeconds());
  w.Key("source_records").StartArray();
  for (const auto& s : sources_) w.Uint(s->records);
  w.EndArray();
  w.Key("source_provider_failed").StartArray();
  for (const auto& s : sources_) w.Uint(s->provider_failed);
  w.EndArray();
  SaveJoinCounters(w);
  util::MutexLock lock(&mu_);
  WriteFailures(w);
  w.Key("incomplete_ids").StartArray();
  for (const auto& id : incomplete_ids_) w.String(id);
  w.EndArray();
  w.Key("warnings").StartArray();
  for (const auto& warning : warnings_) w.String(warning);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string IngestProgress::SaveWriteCounters() const {
  json::JsonWriter w;
  w.StartObject();
  w.Key("written").Uint(written_).Key("write_failed").Uint(write_failed_);
  util::MutexLock lock(&mu_);
  WriteFailures(w);
  w.EndObject();
  return w.Take();
}

namespace {

uint64_t UintMember(const rapidjson::Value& d, const char* key) {
  auto it = d.FindMember(key);
  return it != d.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

}  // namespace

void IngestProgress::ReadFailures(const rapidjson::Value& d) {
  failures_.clear();
  auto list = d.FindMember("failures");
  if (list == d.MemberEnd() || !list->value.IsArray()) return;
  for (const auto& f : list->value.GetArray()) {
    if (!f.IsObject() || !f.HasMember("location") || !f["location"].IsString() ||
        !f.HasMember("reason") || !f["reason"].IsString()) {
      continue;
    }
    Failure failure;
    failure.origin.source = UintMember(f, "source");
    failure.origin.location = f["location"].GetString();
    failure.origin.line = UintMember(f, "line");
    if (auto id = f.FindMember("id"); id != f.MemberEnd() && id->value.IsString()) {
      failure.origin.id = id->value.GetString();
    }
    failure.reason = f["reason"].GetString();
    failures_.push_back(std::move(failure));
  }
}

util::Status IngestProgress::RestoreCounters(std::string_view saved, std::string_view saved_write) {
  rapidjson::Document d, w;
  d.Parse(saved.data(), saved.size());
  if (d.HasParseError() || !d.IsObject()) return util::Internal("corrupt ingest checkpoint");
  if (!saved_write.empty()) {
    w.Parse(saved_write.data(), saved_write.size());
    if (w.HasParseError() || !w.IsObject()) return util::Internal("corrupt ingest checkpoint");
  }
  const rapidjson::Value& writes = saved_write.empty() ? d : w;
  records_read_ = UintMember(d, "records_read");
  written_ = UintMember(writes, "written");
  write_failed_ = UintMember(writes, "write_failed");
  // Read-side failures as of the batch, sink-side failures as of its commit.
  failed_ = UintMember(d, "failed") - UintMember(d, "write_failed") + write_failed_;
  incomplete_joins_ = UintMember(d, "incomplete_joins");
  provider_failed_ = UintMember(d, "provider_failed");
  if (d.HasMember("elapsed_s") && d["elapsed_s"].IsNumber()) {
    prior_elapsed_s_ = d["elapsed_s"].GetDouble();
  }
  if (d.HasMember("source_records") && d["source_records"].IsArray()) {
    const auto& a = d["source_records"];
    for (rapidjson::SizeType i = 0; i < a.Size() && i < sources_.size(); ++i) {
      if (a[i].IsUint64()) sources_[i]->records = a[i].GetUint64();
    }
  }
  if (d.HasMember("source_provider_failed") && d["source_provider_failed"].IsArray()) {
    const auto& a = d["source_provider_failed"];
    for (rapidjson::SizeType i = 0; i < a.Size() && i < sources_.size(); ++i) {
      if (a[i].IsUint64()) sources_[i]->provider_failed = a[i].GetUint64();
    }
  }
  RestoreJoinCounters(d);
  util::MutexLock lock(&mu_);
  ReadFailures(writes);
  incomplete_ids_.clear();
  if (d.HasMember("incomplete_ids") && d["incomplete_ids"].IsArray()) {
    for (const auto& id : d["incomplete_ids"].GetArray()) {
      if (id.IsString()) incomplete_ids_.emplace_back(id.GetString());
    }
  }
  warnings_.clear();
  if (d.HasMember("warnings") && d["warnings"].IsArray()) {
    for (const auto& warning : d["warnings"].GetArray()) {
      if (warning.IsString()) warnings_.emplace_back(warning.GetString());
    }
  }
  return util::Status::Ok();
}

}  // namespace sluice::ingest
