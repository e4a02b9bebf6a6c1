// BatchWriter: the ingest pipeline's reader/writer hand-off. Run under TSan by
// `make test-sanitize`. The sink below blocks on events the test controls
// (never on sleeps), so queue-full and in-flight states are reached exactly.
#include "ingest/batch_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <new>
#include <stdexcept>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::ingest {
namespace {

// Records what it is given. While `hold` is set, Write waits (after saying it
// entered) until the test releases it; `fail_batch` makes one batch fail whole.
class GatedSink : public DocumentSink {
 public:
  util::Result<SinkSchema> Describe() override { return SinkSchema{}; }

  util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_; });
    if (static_cast<int>(batches_.size()) == fail_batch_) {
      batches_.emplace_back();
      return util::Status(util::Code::kIoError, "io_exception", "disk gone");
    }
    std::vector<util::Status> results;
    std::vector<std::string> ids;
    for (const auto& d : documents) {
      ids.push_back(d.id);
      results.push_back(d.id == "bad" ? util::InvalidArgument("rejected") : util::Status::Ok());
    }
    batches_.push_back(std::move(ids));
    return results;
  }

  void Hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  void WaitEntered(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void FailBatch(int index) {
    std::lock_guard lock(mu_);
    fail_batch_ = index;
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  int entered_ = 0;
  int fail_batch_ = -1;
  std::vector<std::vector<std::string>> batches_;
};

DocumentBatch MakeBatch(int n, std::vector<std::string> ids) {
  DocumentBatch batch;
  for (auto& id : ids) {
    batch.documents.push_back({id, R"({"n":)" + std::to_string(n) + "}", std::nullopt});
    batch.origins.push_back({0, "/f", static_cast<uint64_t>(n), {}});
  }
  batch.checkpoint = "ckpt-" + std::to_string(n);
  return batch;
}

TEST(BatchWriterTest, WritesBatchesInOrderAndCommitsEachAfterItIsDurable) {
  GatedSink sink;
  IngestProgress progress({"/f"});
  std::vector<std::string> committed;  // only the writer thread appends
  {
    BatchWriter writer(&sink, &progress, 2, [&](const std::string& checkpoint) {
      committed.push_back(checkpoint);
      return util::Status::Ok();
    });
    for (int b = 0; b < 20; ++b) {
      ASSERT_TRUE(
          writer.Push(MakeBatch(b, {"a" + std::to_string(b), "b" + std::to_string(b)})).ok());
      // Progress is read by task polls on other threads while the writer runs.
      EXPECT_NE(progress.ToJson().find("documents_written"), std::string::npos);
    }
    ASSERT_TRUE(writer.Finish().ok());
  }
  ASSERT_EQ(committed.size(), 20u);
  for (int b = 0; b < 20; ++b) EXPECT_EQ(committed[b], "ckpt-" + std::to_string(b));
  auto batches = sink.batches();
  ASSERT_EQ(batches.size(), 20u);
  EXPECT_EQ(batches[7], (std::vector<std::string>{"a7", "b7"}));
  EXPECT_EQ(progress.written(), 40u);
}

TEST(BatchWriterTest, PushWaitsWhileTheQueueIsFullAndResumesWhenTheSinkDrains) {
  GatedSink sink;
  IngestProgress progress({"/f"});
  sink.Hold();
  BatchWriter writer(&sink, &progress, 1, [](const std::string&) { return util::Status::Ok(); });
  ASSERT_TRUE(writer.Push(MakeBatch(0, {"x0"})).ok());
  sink.WaitEntered(1);                                  // batch 0 is in the sink
  ASSERT_TRUE(writer.Push(MakeBatch(1, {"x1"})).ok());  // fills the queue (depth 1)
  std::atomic<bool> third_pushed{false};
  std::thread reader([&] {
    EXPECT_TRUE(writer.Push(MakeBatch(2, {"x2"})).ok());  // waits for room
    third_pushed = true;
  });
  // Nothing is written while the sink holds, so the third batch cannot be queued yet.
  EXPECT_EQ(sink.batches().size(), 0u);
  sink.Release();
  reader.join();
  EXPECT_TRUE(third_pushed);
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(sink.batches().size(), 3u);
}

TEST(BatchWriterTest, ARejectedDocumentFailsAloneAndAFailedBatchStopsTheReader) {
  GatedSink sink;
  IngestProgress progress({"/f"});
  sink.FailBatch(1);
  BatchWriter writer(&sink, &progress, 1, [](const std::string&) { return util::Status::Ok(); });
  ASSERT_TRUE(writer.Push(MakeBatch(0, {"ok", "bad"})).ok());
  util::Status pushed;
  // The writer fails on batch 1; a Push after that (or Finish) reports it.
  for (int b = 1; b < 50 && pushed.ok(); ++b) pushed = writer.Push(MakeBatch(b, {"y"}));
  util::Status finished = writer.Finish();
  EXPECT_FALSE(finished.ok());
  EXPECT_EQ(finished.code(), util::Code::kIoError);
  EXPECT_EQ(progress.written(), 1u);
  EXPECT_EQ(progress.failed(), 1u);
}

TEST(BatchWriterTest, DestroyingWithoutFinishDropsQueuedBatchesAndJoins) {
  GatedSink sink;
  IngestProgress progress({"/f"});
  sink.Hold();
  {
    BatchWriter writer(&sink, &progress, 4, [](const std::string&) { return util::Status::Ok(); });
    ASSERT_TRUE(writer.Push(MakeBatch(0, {"z0"})).ok());
    sink.WaitEntered(1);
    ASSERT_TRUE(writer.Push(MakeBatch(1, {"z1"})).ok());
    ASSERT_TRUE(writer.Push(MakeBatch(2, {"z2"})).ok());
    // Let the in-flight batch finish when the destructor has cleared the queue.
    std::thread release([&] { sink.Release(); });
    release.join();
  }
  // Batch 0 was in flight; the destructor may drop the queued ones.
  EXPECT_GE(sink.batches().size(), 1u);
  EXPECT_LE(sink.batches().size(), 3u);
}

// A sink whose Write throws what `thrower` throws (nothing: writes all).
class ThrowingSink : public DocumentSink {
 public:
  explicit ThrowingSink(std::function<void()> thrower) : thrower_(std::move(thrower)) {}
  util::Result<SinkSchema> Describe() override { return SinkSchema{}; }
  util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) override {
    thrower_();
    return std::vector<util::Status>(documents.size());
  }

 private:
  std::function<void()> thrower_;
};

DocumentBatch OneDocument() {
  DocumentBatch batch;
  batch.documents.push_back({"1", R"({"a":1})", std::nullopt});
  batch.origins.push_back({0, "/a", 1, {}});
  batch.checkpoint = "cp";
  return batch;
}

TEST(BatchWriterTest, AnExceptionFromTheSinkBecomesTheWritersError) {
  ThrowingSink sink([] { throw std::runtime_error("sink exploded"); });
  IngestProgress progress({"/a"});
  int commits = 0;
  BatchWriter writer(&sink, &progress, 2, [&](const std::string&) {
    ++commits;
    return util::Status::Ok();
  });
  ASSERT_TRUE(writer.Push(OneDocument()).ok());
  util::Status status = writer.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), util::Code::kInternal);
  EXPECT_NE(status.reason().find("sink exploded"), std::string::npos) << status.ToString();
  EXPECT_EQ(commits, 0);
  // The reader learns of it on its next push too.
  EXPECT_FALSE(writer.Push(OneDocument()).ok());
}

TEST(BatchWriterTest, OutOfMemoryAndNonStandardExceptionsAreCaughtToo) {
  for (std::function<void()> thrower :
       std::vector<std::function<void()>>{[] { throw std::bad_alloc(); }, [] { throw 42; }}) {
    ThrowingSink sink(thrower);
    IngestProgress progress({"/a"});
    BatchWriter writer(&sink, &progress, 1, [](const std::string&) { return util::Status::Ok(); });
    ASSERT_TRUE(writer.Push(OneDocument()).ok());
    EXPECT_EQ(writer.Finish().code(), util::Code::kInternal);
  }
}

TEST(BatchWriterTest, AnExceptionFromTheCommitCallbackIsCaught) {
  ThrowingSink sink([] {});
  IngestProgress progress({"/a"});
  BatchWriter writer(&sink, &progress, 1, [](const std::string&) -> util::Status {
    throw std::runtime_error("commit exploded");
  });
  ASSERT_TRUE(writer.Push(OneDocument()).ok());
  util::Status status = writer.Finish();
  EXPECT_NE(status.reason().find("commit exploded"), std::string::npos) << status.ToString();
  EXPECT_EQ(progress.written(), 1u);
}

}  // namespace
}  // namespace sluice::ingest
