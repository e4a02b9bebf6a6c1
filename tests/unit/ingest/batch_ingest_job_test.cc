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
  void SetProgress(float fraction, std::string status_json) override {
    std::lock_guard<std::mutex> lock(mu_);
    progress_.push_back(std::move(status_json));
    fraction_ = fraction;
  }
  void SetPartialError(std::string error) override {
    std::lock_guard<std::mutex> lock(mu_);
    partial_error_ = std::move(error);
  }
  std::optional<std::string> partial_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return partial_error_;
  }
  float fraction() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fraction_;
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
  std::optional<std::string> partial_error_;
  float fraction_ = 0;
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

// A temp dir of files and a job over them with the CountingSink.
struct JobFixture {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("sluice-job-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  JobFixture() { std::filesystem::create_directories(dir); }
  ~JobFixture() { std::filesystem::remove_all(dir); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream((dir / name).string()) << text;
    return (dir / name).string();
  }
  // Runs a request reading `location` with `field_map`; returns the status.
  util::Status Run(const std::string& location, const std::string& field_map,
                   RecordingContext& ctx) {
    auto request =
        ParseIngestRequest(R"({"index_name":"i","field_map":)" + field_map +
                           R"(,"data_source":{"type":"file","source":[")" + location + R"("]}})");
    if (!request.ok()) return request.status();
    sources::SourcesOptions options;
    options.file_roots = {dir.string()};
    sources::SourceCatalog catalog(options);
    BatchIngestJob job(std::move(*request), &catalog, std::make_unique<CountingSink>(), nullptr,
                       IngestOptions{});
    return job.Run(ctx);
  }
};

constexpr const char* kBedrockMap = R"({"_id":"$.recordId","v":"$.modelOutput.embedding"})";

std::string BedrockLine(const std::string& id, bool ok) {
  return R"({"recordId":")" + id + R"(","modelInput":{"inputText":"t"},)" +
         (ok ? std::string(R"("modelOutput":{"embedding":[1,2]}})")
             : std::string(R"("error":{"errorCode":400,"errorMessage":"bad input"}})")) +
         "\n";
}

TEST(BatchIngestJobOutcomeTest, EveryRecordFailingFailsTheTask) {
  JobFixture f;
  std::string file = f.Write("in.jsonl", BedrockLine("A", false) + BedrockLine("B", false));
  RecordingContext ctx(std::nullopt);
  util::Status status = f.Run(file, kBedrockMap, ctx);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.reason().find("Failed to batch ingest: no document was written: 2 of 2 "
                                 "records failed (2 by the provider)"),
            std::string::npos)
      << status.reason();
  EXPECT_NE(status.reason().find("bedrock: 400: bad input"), std::string::npos);
  EXPECT_EQ(ctx.partial_error(), std::nullopt);
}

TEST(BatchIngestJobOutcomeTest, SomeRecordsFailingIsAPartialErrorWithCountsAndReasons) {
  JobFixture f;
  std::string file = f.Write(
      "out.jsonl",
      std::string(
          R"({"custom_id":"r1","response":{"status_code":200,"body":{"data":[{"embedding":[1,2]}]}},"error":null})") +
          "\n" +
          R"({"custom_id":"r2","response":{"status_code":400,"body":{"error":{"message":"bad"}}},"error":null})" +
          "\nnot json\n");
  RecordingContext ctx(std::nullopt);
  util::Status status =
      f.Run(file, R"({"_id":"$.custom_id","v":"$.response.body.data[0].embedding"})", ctx);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(ctx.partial_error().has_value());
  EXPECT_NE(ctx.partial_error()->find("2 of 3 records failed (1 by the provider): "),
            std::string::npos)
      << *ctx.partial_error();
  EXPECT_NE(ctx.partial_error()->find("out.jsonl:2: openai: status 400: bad"), std::string::npos)
      << *ctx.partial_error();
  EXPECT_EQ(ctx.fraction(), 1.0f);
  const std::string last = ctx.progress().back();
  EXPECT_EQ(Counter(last, "provider_failed"), 1u) << last;
  EXPECT_NE(last.find(R"("provider":"openai")"), std::string::npos) << last;
}

TEST(BatchIngestJobOutcomeTest, NothingFailingCompletesWithoutError) {
  JobFixture f;
  std::string file = f.Write("in.jsonl", BedrockLine("A", true) + BedrockLine("B", true));
  RecordingContext ctx(std::nullopt);
  ASSERT_TRUE(f.Run(file, kBedrockMap, ctx).ok());
  EXPECT_EQ(ctx.partial_error(), std::nullopt);
}

TEST(BatchIngestJobOutcomeTest, ABedrockManifestIsTheSummaryAndItsCountsAreChecked) {
  JobFixture f;
  f.Write("in.jsonl.out",
          BedrockLine("A", true) + BedrockLine("B", false) + BedrockLine("C", true));
  f.Write(
      "manifest.json.out",
      R"({"totalRecordCount":3,"processedRecordCount":3,"successRecordCount":2,"errorRecordCount":1})");
  {
    RecordingContext ctx(std::nullopt);
    ASSERT_TRUE(f.Run((f.dir / "*").string(), kBedrockMap, ctx).ok());
    const std::string last = ctx.progress().back();
    EXPECT_EQ(Counter(last, "records_read"), 3u) << last;  // the manifest is no record
    EXPECT_NE(last.find(R"("processedRecordCount":3)"), std::string::npos) << last;
    EXPECT_NE(last.find(R"("mismatches":[])"), std::string::npos) << last;
    ASSERT_TRUE(ctx.partial_error().has_value());  // B failed
    EXPECT_EQ(ctx.partial_error()->find("disagrees"), std::string::npos) << *ctx.partial_error();
  }
  // A summary that counts records the files do not have is reported.
  f.Write(
      "manifest.json.out",
      R"({"totalRecordCount":4,"processedRecordCount":4,"successRecordCount":3,"errorRecordCount":1})");
  RecordingContext ctx(std::nullopt);
  ASSERT_TRUE(f.Run((f.dir / "*").string(), kBedrockMap, ctx).ok());
  ASSERT_TRUE(ctx.partial_error().has_value());
  EXPECT_NE(ctx.partial_error()->find("the provider's summary disagrees: source[0]'s "),
            std::string::npos)
      << *ctx.partial_error();
  EXPECT_NE(ctx.partial_error()->find("processedRecordCount is 4 but the task read 3"),
            std::string::npos)
      << *ctx.partial_error();
}

TEST(BatchIngestJobOutcomeTest, AManifestGivenAsTheSourceIsRefused) {
  JobFixture f;
  std::string manifest = f.Write("manifest.json.out", R"({"totalRecordCount":1})");
  RecordingContext ctx(std::nullopt);
  util::Status status = f.Run(manifest, kBedrockMap, ctx);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.reason().find("is a Bedrock job summary (manifest.json.out), not records"),
            std::string::npos)
      << status.reason();
}

TEST(BatchIngestJobOutcomeTest, APathThatSelectsNothingOnTheFirstRecordIsAWarning) {
  JobFixture f;
  std::string file = f.Write("in.jsonl", BedrockLine("A", false) + BedrockLine("B", true));
  RecordingContext ctx(std::nullopt);
  ASSERT_TRUE(f.Run(file,
                    R"({"_id":"$.recordId","v":"$.modelOutput.embedding","t":"$.modelInput.text"})",
                    ctx)
                  .ok());
  const std::string last = ctx.progress().back();
  // Checked on the first record the provider did not fail (B): only the typo warns.
  EXPECT_NE(last.find("source[0] path [$.modelInput.text] of field [t] selects nothing on the "
                      "first record of ["),
            std::string::npos)
      << last;
  EXPECT_EQ(last.find("path [$.modelOutput.embedding]"), std::string::npos) << last;
}

}  // namespace
}  // namespace sluice::ingest
