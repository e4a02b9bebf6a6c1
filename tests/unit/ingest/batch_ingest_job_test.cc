#include "ingest/batch_ingest_job.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "ingest/ingest_progress.h"
#include "sources/source_catalog.h"

namespace sluice::ingest {
namespace {

// A TaskContext that hands out a saved checkpoint and records every progress
// the job publishes.
class RecordingContext : public tasks::TaskContext {
 public:
  explicit RecordingContext(std::optional<std::string> checkpoint)
      : checkpoint_(std::move(checkpoint)) {}
  const std::string& task_id() const override { return id_; }
  bool cancelled() const override { return false; }
  void SetProgress(std::string progress_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    progress_.push_back(std::move(progress_json));
  }
  util::Status SaveCheckpoint(std::string checkpoint) override {
    std::lock_guard<std::mutex> lock(mu_);
    checkpoint_ = std::move(checkpoint);
    return util::Status::Ok();
  }
  std::optional<std::string> LoadCheckpoint() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return checkpoint_;
  }
  std::vector<std::string> progress() const {
    std::lock_guard<std::mutex> lock(mu_);
    return progress_;
  }

 private:
  std::string id_ = "t1";
  mutable std::mutex mu_;
  std::optional<std::string> checkpoint_;
  std::vector<std::string> progress_;
};

class CountingSink : public DocumentSink {
 public:
  util::Result<SinkSchema> Describe() override {
    SinkSchema schema;
    schema.top_level_fields = {"v"};
    schema.vector_fields = {{"v", 2}};
    return schema;
  }
  util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) override {
    return std::vector<util::Status>(documents.size());
  }
};

// The first `"name":<digits>` in the progress JSON, or UINT64_MAX. (Not
// std::regex: GCC 12's ASan build warns inside it, and -Werror stops the build.)
uint64_t Counter(const std::string& progress, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  for (size_t at = progress.find(key); at != std::string::npos; at = progress.find(key, at + 1)) {
    size_t begin = at + key.size(), end = begin;
    while (end < progress.size() && progress[end] >= '0' && progress[end] <= '9') ++end;
    if (end > begin) return std::stoull(progress.substr(begin, end - begin));
  }
  return UINT64_MAX;
}

TEST(BatchIngestJobTest, AResumedTaskNeverShowsItsCountersAtZero) {
  auto dir = std::filesystem::temp_directory_path() /
             ("sluice-job-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "in.jsonl").string();
  std::string lines;
  uint64_t offset_after_six = 0;
  for (int i = 1; i <= 10; ++i) {
    lines += R"({"id":"r)" + std::to_string(i) +
             R"(","v":[1,2]})"
             "\n";
    if (i == 6) offset_after_six = lines.size();
  }
  std::ofstream(file) << lines;

  // What the run before the restart saved after its sixth record.
  IngestProgress before({file});
  for (int i = 0; i < 6; ++i) before.AddRecordRead(0);
  before.AddWritten(6);
  std::string checkpoint = R"({"phase":"read","slot":0,"object":0,"offset":)" +
                           std::to_string(offset_after_six) +
                           R"(,"line":6,"position":0,"counters":)" + before.SaveCounters() +
                           R"(,"write_counters":)" + before.SaveWriteCounters() + "}";

  auto request = ParseIngestRequest(R"({"index_name":"i","field_map":{"_id":"$.id","v":"$.v"},)"
                                    R"("data_source":{"type":"file","source":[")" +
                                    file + R"("]}})");
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  sources::SourcesOptions options;
  options.file_roots = {dir.string()};
  sources::SourceCatalog catalog(options);
  BatchIngestJob job(std::move(*request), &catalog, std::make_unique<CountingSink>(), nullptr,
                     IngestOptions{});
  RecordingContext ctx(checkpoint);
  util::Status status = job.Run(ctx);
  ASSERT_TRUE(status.ok()) << status.ToString();

  std::vector<std::string> progress = ctx.progress();
  ASSERT_FALSE(progress.empty());
  for (const std::string& p : progress) {
    EXPECT_GE(Counter(p, "records_read"), 6u) << p;
    EXPECT_GE(Counter(p, "documents_written"), 6u) << p;
  }
  EXPECT_EQ(Counter(progress.back(), "records_read"), 10u) << progress.back();
  EXPECT_EQ(Counter(progress.back(), "documents_written"), 10u) << progress.back();
  std::filesystem::remove_all(dir);
}

TEST(BatchIngestJobTest, ACheckpointWithMistypedMembersFailsTheTaskInsteadOfAborting) {
  auto request =
      ParseIngestRequest(R"({"index_name":"i","field_map":{"_id":"$.id","v":"$.v"},)"
                         R"("data_source":{"type":"file","source":["/nonexistent/in.jsonl"]}})");
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  sources::SourcesOptions options;
  options.allow_any_file = true;
  sources::SourceCatalog catalog(options);
  for (const char* bad :
       {R"({"phase":"read","slot":"0","object":0,"offset":0,"line":0,"position":0})",
        R"({"phase":7})", R"([1,2])", R"({"phase":"read"})",
        R"({"phase":"read","slot":0,"object":0,"offset":-1,"line":0,"position":0})",
        R"({"phase":"read","slot":0,"object":0,"offset":0,"line":0,"position":0,"counters":5})",
        R"({"phase":"merge","slot":0,"object":0,"offset":0,"line":0,"position":0,"after_id":1})"}) {
    BatchIngestJob job(*request, &catalog, std::make_unique<CountingSink>(), nullptr,
                       IngestOptions{});
    RecordingContext ctx(std::string{bad});
    util::Status status = job.Run(ctx);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.reason().find("corrupt ingest checkpoint"), std::string::npos)
        << bad << ": " << status.ToString();
  }
}

}  // namespace
}  // namespace sluice::ingest
