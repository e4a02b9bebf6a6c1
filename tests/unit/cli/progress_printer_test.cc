#include "cli/progress_printer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRunningTask = R"({
  "task_id": "t1", "task_type": "BATCH_INGEST", "state": "RUNNING", "progress": 0.25,
  "ingest_status": {"phase": "reading", "bytes_read": 1048576, "bytes_total": 4194304,
    "records_read": 1200, "documents_written": 1100, "records_failed": 3,
    "docs_per_second": 550.5, "elapsed_ms": 2000,
    "failures": [{"source": 0, "location": "/in/a.jsonl", "line": 17, "reason": "not JSON"},
                 {"source": 0, "location": "/in/a.jsonl", "reason": "join failed"}]}})";

std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressPrinterTest, ParsesTheTaskAndItsProgress) {
  auto t = ParseTaskView(kRunningTask);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->task_id, "t1");
  EXPECT_EQ(t->state, "RUNNING");
  EXPECT_FALSE(t->finished());
  EXPECT_EQ(t->phase, "reading");
  EXPECT_DOUBLE_EQ(t->progress, 0.25);
  EXPECT_EQ(t->bytes_read, 1048576u);
  EXPECT_EQ(t->bytes_total, 4194304u);
  EXPECT_EQ(t->records_read, 1200u);
  EXPECT_EQ(t->documents_written, 1100u);
  EXPECT_EQ(t->records_failed, 3u);
  EXPECT_DOUBLE_EQ(t->docs_per_second, 550.5);
  EXPECT_THAT(t->failures,
              ::testing::ElementsAre("/in/a.jsonl:17: not JSON", "/in/a.jsonl: join failed"));
}

TEST(ProgressPrinterTest, ATaskWithoutProgressAndGarbageAreHandled) {
  auto t = ParseTaskView(R"({"task_id":"t","state":"FAILED","error":"boom"})");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->finished());
  EXPECT_EQ(t->error, "boom");
  EXPECT_EQ(t->documents_written, 0u);
  EXPECT_FALSE(ParseTaskView("not json").ok());
  EXPECT_FALSE(ParseTaskView("[1]").ok());
}

TEST(ProgressPrinterTest, LiveLineShowsBytesRecordsRateAndEta) {
  TaskView t = *ParseTaskView(kRunningTask);
  // 1 MiB in 2 s, 3 MiB to go: 6 s.
  EXPECT_EQ(FormatProgressLine(t),
            "RUNNING reading 1.0 MiB/4.0 MiB (25%) | 1200 records, 1100 docs, 3 failed | "
            "550 docs/s | ETA 6s");
}

TEST(ProgressPrinterTest, LogLineIsKeyValue) {
  TaskView t = *ParseTaskView(kRunningTask);
  EXPECT_EQ(FormatProgressLog(t),
            "progress task=t1 state=RUNNING phase=reading bytes_read=1048576 bytes_total=4194304 "
            "records_read=1200 documents_written=1100 records_failed=3 docs_per_second=550.5 "
            "eta_s=6");
  t.bytes_read = t.bytes_total;
  EXPECT_THAT(FormatProgressLog(t), HasSubstr("eta_s=0"));
  t.bytes_total = 0;
  EXPECT_THAT(FormatProgressLog(t), HasSubstr("eta_s=unknown"));
}

TEST(ProgressPrinterTest, SummaryListsFailuresAndHowManyMore) {
  TaskView t = *ParseTaskView(kRunningTask);
  t.state = "COMPLETED";
  std::string s = FormatSummary(t, "books", 2.5);
  EXPECT_THAT(s, HasSubstr("Task t1 COMPLETED\n"));
  EXPECT_THAT(s, HasSubstr("  index:             books\n"));
  EXPECT_THAT(s, HasSubstr("  documents written: 1100\n"));
  EXPECT_THAT(s, HasSubstr("  records failed:    3\n    /in/a.jsonl:17: not JSON\n"));
  EXPECT_THAT(s, HasSubstr("    ... and 1 more\n"));
  EXPECT_THAT(s, HasSubstr("  time:              2.5 s (task 2.0 s)\n"));
  EXPECT_THAT(s, HasSubstr("  rate:              550 docs/s\n"));
  t.state = "FAILED";
  t.error = "cannot read s3://b/k: 403";
  EXPECT_THAT(FormatSummary(t, "books", 1),
              HasSubstr("Task t1 FAILED: cannot read s3://b/k: 403\n"));
}

TEST(ProgressPrinterTest, SummaryShowsHowEachSourceWasJoined) {
  auto t = ParseTaskView(R"({"task_id":"t2","state":"COMPLETED_WITH_ERROR","progress":{
    "sources":[
      {"location":"out.jsonl","join":{"mode":"by_id","joined":7,"incomplete":1,"mismatched":0}},
      {"location":"in.jsonl","join":{"mode":"by_id","joined":7,"incomplete":1,"mismatched":0}},
      {"location":"other.jsonl","join":{"mode":"by_position","by_position_with":1,
        "checked_by":"custom_id","joined":6,"incomplete":1,"mismatched":1}}]}})");
  ASSERT_TRUE(t.ok());
  std::string s = FormatSummary(*t, "books", 1);
  EXPECT_THAT(s, HasSubstr("  joins:\n    source[0] out.jsonl: by id: 7 joined, 1 incomplete, "
                           "0 mismatched\n"));
  EXPECT_THAT(s, HasSubstr("    source[2] other.jsonl: by position with source[1], checked by "
                           "custom_id: 6 joined, 1 incomplete, 1 mismatched\n"));
  // One source: no join lines.
  EXPECT_THAT(FormatSummary(*ParseTaskView(kRunningTask), "books", 1), Not(HasSubstr("joins:")));
}

TEST(ProgressPrinterTest, SummaryShowsProviderFailuresTheManifestAndWarnings) {
  auto t = ParseTaskView(R"json({"task_id":"t3","state":"COMPLETED_WITH_ERROR","progress":1.0,
    "error":"1 of 5 records failed (1 by the provider)",
    "ingest_status":{"records_read":5,"documents_written":4,"records_failed":1,
    "provider_failed":1,"sources":[{"location":"s3://b/job/","provider":"bedrock",
    "manifest":{"location":"s3://b/job/manifest.json.out","processedRecordCount":5,
    "successRecordCount":4,"errorRecordCount":1,"mismatches":[]}}],
    "warnings":["source[0] path [$.x] of field [t] selects nothing"],
    "failures":[{"source":0,"location":"s3://b/job/in.jsonl.out","line":3,
    "reason":"bedrock: 400: Malformed input request"}]}})json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->finished());
  std::string summary = FormatSummary(*t, "idx", 1.0);
  EXPECT_THAT(summary, HasSubstr("Task t3 COMPLETED_WITH_ERROR: 1 of 5 records failed"));
  EXPECT_THAT(summary, HasSubstr("s3://b/job/manifest.json.out: 5 processed, 4 succeeded, 1 "
                                 "failed (matches the task)"));
  EXPECT_THAT(summary, HasSubstr("records failed:    1 (1 by the provider)"));
  EXPECT_THAT(summary, HasSubstr("in.jsonl.out:3: bedrock: 400: Malformed input request"));
  EXPECT_THAT(summary, HasSubstr("warnings:\n    source[0] path [$.x] of field [t] selects nothing"));
}

TEST(ProgressPrinterTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(5ull << 30), "5.0 GiB");
}

TEST(ProgressPrinterTest, PlainModeThrottlesLinesButAlwaysShowsStateChanges) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressPrinter printer(out, /*tty=*/false, std::chrono::hours(1));
  TaskView t = *ParseTaskView(kRunningTask);
  printer.Update(t);  // first: printed
  printer.Update(t);  // same state within the interval: not printed
  t.state = "COMPLETED";
  printer.Update(t);  // state change: printed
  printer.Finish();
  std::string text = ReadAll(out);
  std::fclose(out);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  EXPECT_THAT(text, HasSubstr("state=RUNNING"));
  EXPECT_THAT(text, HasSubstr("state=COMPLETED"));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
}

TEST(ProgressPrinterTest, TerminalModeRedrawsOneLine) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressPrinter printer(out, /*tty=*/true, std::chrono::hours(1));
  TaskView t = *ParseTaskView(kRunningTask);
  printer.Update(t);
  printer.Update(t);
  printer.Finish();
  std::string text = ReadAll(out);
  std::fclose(out);
  EXPECT_EQ(text, "\r\033[K" + FormatProgressLine(t) + "\r\033[K" + FormatProgressLine(t) + "\n");
}

}  // namespace
}  // namespace sluice::cli
