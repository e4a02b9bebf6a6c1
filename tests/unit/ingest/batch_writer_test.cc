#include "ingest/batch_writer.h"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

namespace sluice::ingest {
namespace {

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
  batch.documents.push_back({"1", R"({"a":1})"});
  batch.origins.push_back({0, "/a", 1});
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
