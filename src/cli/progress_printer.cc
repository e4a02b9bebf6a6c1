#include "cli/progress_printer.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

namespace sluice::cli {
namespace {

uint64_t U64(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

std::string Str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// Seconds left at the current byte rate; negative when unknown.
double EtaSeconds(const TaskView& t) {
  if (t.bytes_total > 0 && t.bytes_read >= t.bytes_total) return 0;
  if (t.bytes_total == 0 || t.bytes_read == 0 || t.elapsed_ms == 0) return -1;
  double rate = static_cast<double>(t.bytes_read) / (static_cast<double>(t.elapsed_ms) / 1000);
  return static_cast<double>(t.bytes_total - t.bytes_read) / rate;
}

std::string HumanSeconds(double s) {
  if (s < 0) return "?";
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return fmt::format("{}h{:02}m", static_cast<int>(s) / 3600, static_cast<int>(s) % 3600 / 60);
}

}  // namespace

bool TaskView::finished() const {
  return state == "COMPLETED" || state == "COMPLETED_WITH_ERROR" || state == "FAILED" ||
         state == "CANCELLED";
}

util::Result<TaskView> ParseTaskView(std::string_view task_json) {
  rapidjson::Document d;
  d.Parse(task_json.data(), task_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::ParsingError("the task is not a JSON object: " + std::string(task_json));
  }
  TaskView t;
  t.task_id = Str(d, "task_id");
  t.state = Str(d, "state");
  t.error = Str(d, "error");
  auto fraction = d.FindMember("progress");
  if (fraction != d.MemberEnd() && fraction->value.IsNumber()) {
    t.progress = fraction->value.GetDouble();
  }
  auto p = d.FindMember("ingest_status");
  if (p == d.MemberEnd()) p = d.FindMember("progress");
  if (p == d.MemberEnd() || !p->value.IsObject()) return t;
  const rapidjson::Value& progress = p->value;
  t.phase = Str(progress, "phase");
  t.bytes_read = U64(progress, "bytes_read");
  t.bytes_total = U64(progress, "bytes_total");
  t.records_read = U64(progress, "records_read");
  t.documents_written = U64(progress, "documents_written");
  t.records_failed = U64(progress, "records_failed");
  t.provider_failed = U64(progress, "provider_failed");
  t.elapsed_ms = U64(progress, "elapsed_ms");
  if (auto r = progress.FindMember("docs_per_second");
      r != progress.MemberEnd() && r->value.IsNumber()) {
    t.docs_per_second = r->value.GetDouble();
  }
  if (auto s = progress.FindMember("sources"); s != progress.MemberEnd() && s->value.IsArray()) {
    size_t n = 0;
    for (const auto& source : s->value.GetArray()) {
      size_t index = n++;
      auto m = source.IsObject() ? source.FindMember("manifest") : source.MemberEnd();
      if (m != source.MemberEnd() && m->value.IsObject()) {
        const rapidjson::Value& manifest = m->value;
        std::string line =
            fmt::format("source[{}] {}: {} processed, {} succeeded, {} failed", index,
                        Str(manifest, "location"), U64(manifest, "processedRecordCount"),
                        U64(manifest, "successRecordCount"), U64(manifest, "errorRecordCount"));
        auto mm = manifest.FindMember("mismatches");
        bool agrees = true;
        if (mm != manifest.MemberEnd() && mm->value.IsArray()) {
          for (const auto& text : mm->value.GetArray()) {
            if (text.IsString()) line += std::string(agrees ? ": " : "; ") + text.GetString();
            agrees = false;
          }
        }
        t.manifests.push_back(line + (agrees ? " (matches the task)" : ""));
      }
      auto j = source.IsObject() ? source.FindMember("join") : source.MemberEnd();
      if (!source.IsObject() || j == source.MemberEnd() || !j->value.IsObject()) continue;
      const rapidjson::Value& join = j->value;
      std::string mode = Str(join, "mode") == "by_id" ? std::string("by id")
                                                      : fmt::format("by position with source[{}]",
                                                                    U64(join, "by_position_with"));
      if (std::string check = Str(join, "checked_by"); !check.empty()) {
        mode += ", checked by " + check;
      }
      t.joins.push_back(fmt::format("source[{}] {}: {}: {} joined, {} incomplete, {} mismatched",
                                    index, Str(source, "location"), mode, U64(join, "joined"),
                                    U64(join, "incomplete"), U64(join, "mismatched")));
    }
  }
  if (auto w = progress.FindMember("warnings"); w != progress.MemberEnd() && w->value.IsArray()) {
    for (const auto& warning : w->value.GetArray()) {
      if (warning.IsString()) t.warnings.push_back(warning.GetString());
    }
  }
  if (auto f = progress.FindMember("failures"); f != progress.MemberEnd() && f->value.IsArray()) {
    for (const auto& failure : f->value.GetArray()) {
      if (!failure.IsObject()) continue;
      std::string where = Str(failure, "location");
      if (uint64_t line = U64(failure, "line"); line > 0) where += ":" + std::to_string(line);
      t.failures.push_back(where + ": " + Str(failure, "reason"));
    }
  }
  return t;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string FormatProgressLine(const TaskView& t) {
  std::string bytes = HumanBytes(t.bytes_read);
  if (t.bytes_total > 0) {
    bytes +=
        fmt::format("/{} ({:.0f}%)", HumanBytes(t.bytes_total),
                    100.0 * static_cast<double>(t.bytes_read) / static_cast<double>(t.bytes_total));
  }
  return fmt::format("{} {} {} | {} records, {} docs, {} failed | {:.0f} docs/s | ETA {}", t.state,
                     t.phase.empty() ? "-" : t.phase, bytes, t.records_read, t.documents_written,
                     t.records_failed, t.docs_per_second, HumanSeconds(EtaSeconds(t)));
}

std::string FormatProgressLog(const TaskView& t) {
  return fmt::format(
      "progress task={} state={} phase={} bytes_read={} bytes_total={} records_read={} "
      "documents_written={} records_failed={} docs_per_second={:.1f} eta_s={}",
      t.task_id, t.state, t.phase.empty() ? "-" : t.phase, t.bytes_read, t.bytes_total,
      t.records_read, t.documents_written, t.records_failed, t.docs_per_second,
      EtaSeconds(t) < 0 ? std::string("unknown") : fmt::format("{:.0f}", EtaSeconds(t)));
}

std::string FormatSummary(const TaskView& t, std::string_view index, double wall_seconds) {
  std::string out = fmt::format("Task {} {}", t.task_id, t.state);
  if (!t.error.empty()) out += ": " + t.error;
  out += "\n";
  out += fmt::format("  index:             {}\n", index);
  out += fmt::format("  documents written: {}\n", t.documents_written);
  out += fmt::format("  records read:      {}\n", t.records_read);
  out += fmt::format("  bytes read:        {}\n", HumanBytes(t.bytes_read));
  if (!t.joins.empty()) {
    out += "  joins:\n";
    for (const auto& j : t.joins) out += "    " + j + "\n";
  }
  if (!t.manifests.empty()) {
    out += "  provider summary:\n";
    for (const auto& m : t.manifests) out += "    " + m + "\n";
  }
  out += fmt::format("  records failed:    {}", t.records_failed);
  if (t.provider_failed > 0) out += fmt::format(" ({} by the provider)", t.provider_failed);
  out += "\n";
  for (const auto& f : t.failures) out += "    " + f + "\n";
  if (t.records_failed > t.failures.size()) {
    out += fmt::format("    ... and {} more\n", t.records_failed - t.failures.size());
  }
  if (!t.warnings.empty()) {
    out += "  warnings:\n";
    for (const auto& w : t.warnings) out += "    " + w + "\n";
  }
  double task_s = static_cast<double>(t.elapsed_ms) / 1000;
  out += fmt::format("  time:              {:.1f} s (task {:.1f} s)\n", wall_seconds, task_s);
  out += fmt::format("  rate:              {:.0f} docs/s\n",
                     task_s > 0 ? static_cast<double>(t.documents_written) / task_s : 0.0);
  return out;
}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool tty, std::chrono::milliseconds interval)
    : out_(out), tty_(tty), interval_(interval) {}

void ProgressPrinter::Update(const TaskView& task) {
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::string line = FormatProgressLine(task);
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    drawn_ = true;
  } else if (!drawn_ || task.state != last_state_ || now - last_ >= interval_) {
    std::string line = FormatProgressLog(task);
    std::fprintf(out_, "%s\n", line.c_str());
    last_ = now;
    drawn_ = true;
  }
  last_state_ = task.state;
  std::fflush(out_);
}

void ProgressPrinter::Finish() {
  if (tty_ && drawn_) std::fprintf(out_, "\n");
  std::fflush(out_);
}

}  // namespace sluice::cli
