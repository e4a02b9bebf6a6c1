#include "ingest/ingest_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/registry.h"

namespace sluice::ingest {
namespace {

using ::testing::HasSubstr;

TEST(IngestProgressMetricsTest, CountsRecordsFailuresDocumentsAndBytesBySourceType) {
  metrics::Registry registry;
  IngestProgress progress({"/a.jsonl", "/b.jsonl"});
  progress.AttachMetrics(&registry, "openAI");
  progress.AddRecordRead(0);
  progress.AddRecordRead(1);
  progress.AddRecordRead(1);
  progress.AddFailure({1, "/b.jsonl", 2, {}}, "not JSON");
  progress.AddWritten(2);
  progress.SetBytesRead(0, 0, 100);
  progress.SetBytesRead(0, 0, 250);  // counts the growth only
  progress.SetBytesRead(1, 0, 40);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("sluice_ingest_records_read_total 3\n"));
  EXPECT_THAT(text, HasSubstr("sluice_ingest_records_failed_total 1\n"));
  EXPECT_THAT(text, HasSubstr("sluice_ingest_documents_written_total 2\n"));
  EXPECT_THAT(text, HasSubstr("sluice_ingest_bytes_read_total{source_type=\"openai\"} 290\n"));
  // The task's own counters are unchanged by the metrics.
  EXPECT_EQ(progress.written(), 2u);
  EXPECT_EQ(progress.failed(), 1u);
}

TEST(IngestProgressMetricsTest, TwoTasksAddUpInOneRegistry) {
  metrics::Registry registry;
  IngestProgress first({"/a"}), second({"s3://b/k"});
  first.AttachMetrics(&registry, "file");
  second.AttachMetrics(&registry, "s3");
  first.AddWritten(5);
  second.AddWritten(7);
  first.SetBytesRead(0, 0, 10);
  second.SetBytesRead(0, 0, 20);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("sluice_ingest_documents_written_total 12\n"));
  EXPECT_THAT(text, HasSubstr("sluice_ingest_bytes_read_total{source_type=\"file\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("sluice_ingest_bytes_read_total{source_type=\"s3\"} 20\n"));
}

TEST(IngestProgressMetricsTest, BytesReadBeforeARestartAreNotCountedAgain) {
  metrics::Registry registry;
  IngestProgress progress({"/a"});
  progress.AttachMetrics(&registry, "file");
  progress.ResumeBytesAt(0, 1000);  // objects finished before the restart
  progress.SetBytesRead(0, 1000, 30);
  EXPECT_THAT(registry.Render(), HasSubstr("sluice_ingest_bytes_read_total{source_type=\"file\"} 30\n"));
  EXPECT_THAT(progress.ToJson(), HasSubstr("\"bytes_read\":1030"));
}

TEST(IngestProgressMetricsTest, WithoutARegistryNothingIsExported) {
  IngestProgress progress({"/a"});
  progress.AttachMetrics(nullptr, "file");
  progress.AddRecordRead(0);
  progress.AddWritten(1);
  progress.SetBytesRead(0, 0, 5);
  EXPECT_EQ(progress.written(), 1u);
}

}  // namespace
}  // namespace sluice::ingest
