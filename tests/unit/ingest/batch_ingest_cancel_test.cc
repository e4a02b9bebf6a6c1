// Cancelling a batch-ingestion task: the job stops at the next line, chunk
// or wait for queue room — it does not first write the batches it has queued
// nor the rest of the batch being written — and the task ends CANCELLED.
// Driven by events (a sink that blocks until the test opens it), no sleeps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "ingest/batch_ingest_job.h"
#include "ingest/document_sink.h"
#include "ingest/ingest_request.h"
#include "sources/source_catalog.h"
#include "storage/store.h"
#include "tasks/task_manager.h"

namespace sluice::ingest {
namespace {

// What the test sees of the sink the job owns.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::vector<size_t> writes;  // documents per Write call
  std::promise<void> first_write;
  bool first_signalled = false;

  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  std::vector<size_t> Writes() {
    std::lock_guard lock(mu);
    return writes;
  }
};

// A sink whose writes wait until the gate is open.
class GateSink : public DocumentSink {
 public:
  explicit GateSink(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  util::Result<SinkSchema> Describe() override {
    SinkSchema schema;
    schema.top_level_fields = {"v", "t"};
    schema.vector_fields = {{"v", 2}};
    return schema;
  }
  util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) override {
    std::unique_lock lock(gate_->mu);
    gate_->writes.push_back(documents.size());
    if (!gate_->first_signalled) {
      gate_->first_signalled = true;
      gate_->first_write.set_value();
    }
    gate_->cv.wait(lock, [&] { return gate_->open; });
    return std::vector<util::Status>(documents.size());
  }

 private:
  std::shared_ptr<Gate> gate_;
};

// The number after "key": in a progress object.
uint64_t Counter(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return ~uint64_t{0};
  return std::stoull(json.substr(at + key.size() + 3));
}

class BatchIngestCancelTest : public ::testing::Test {
 protected:
  static constexpr int kLines = 2000;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-cancel-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    std::ofstream out(dir_ / "in.jsonl");
    for (int i = 0; i < kLines; ++i) {
      out << R"({"id":)" << i << R"(,"v":[0.5,0.25],"t":"line )" << i << "\"}\n";
    }
    out.close();
    auto store = storage::Store::Open({.path = (dir_ / "db").string(), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    sources::SourcesOptions sources;
    sources.allow_any_file = true;
    catalog_ = std::make_unique<sources::SourceCatalog>(sources);
    tasks_ = std::make_unique<tasks::TaskManager>(store_.get(), tasks::TaskManagerOptions{});
  }
  void TearDown() override {
    tasks_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Submit(std::shared_ptr<Gate> gate) {
    auto request = ParseIngestRequest(R"({"index_name":"i",
      "field_map":{"v":"$.v","t":"$.t","_id":"$.id"},
      "data_source":{"type":"file","source":[")" +
                                      (dir_ / "in.jsonl").string() + R"("]}})");
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    IngestOptions options;
    options.batch_documents = 10;
    options.queue_depth = 2;
    options.write_chunk_documents = 2;
    auto job =
        std::make_unique<BatchIngestJob>(std::move(*request), catalog_.get(),
                                         std::make_unique<GateSink>(gate), store_.get(), options);
    auto id = tasks_->Submit("BATCH_INGEST", "{}", std::move(job));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return *id;
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sources::SourceCatalog> catalog_;
  std::unique_ptr<tasks::TaskManager> tasks_;
};

TEST_F(BatchIngestCancelTest, CancelStopsAfterTheChunkBeingWrittenAndDropsQueuedBatches) {
  auto gate = std::make_shared<Gate>();
  std::future<void> writing = gate->first_write.get_future();
  std::string id = Submit(gate);
  // The writer is inside its first sink write (2 documents of the first
  // batch); the reader has filled the queue and waits for room.
  writing.wait();
  ASSERT_TRUE(tasks_->Cancel(id).ok());
  gate->Open();

  auto done = tasks_->Wait(id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, tasks::TaskState::kCancelled);
  // Nothing after the chunk in flight: not the rest of its batch, not the
  // queued batches.
  EXPECT_EQ(gate->Writes(), std::vector<size_t>{2});
  EXPECT_EQ(Counter(done->ingest_status_json, "documents_written"), 2u) << done->ingest_status_json;
  // The reader stopped long before the end of the file.
  EXPECT_LT(Counter(done->ingest_status_json, "records_read"), static_cast<uint64_t>(kLines))
      << done->ingest_status_json;
  EXPECT_NE(done->ingest_status_json.find(R"("phase":"cancelled")"), std::string::npos)
      << done->ingest_status_json;
}

TEST_F(BatchIngestCancelTest, WithoutCancelEveryDocumentIsWrittenOnceInChunksOfABatch) {
  auto gate = std::make_shared<Gate>();
  gate->Open();
  std::string id = Submit(gate);
  auto done = tasks_->Wait(id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, tasks::TaskState::kCompleted) << done->error.value_or("");
  std::vector<size_t> writes = gate->Writes();
  ASSERT_FALSE(writes.empty());
  EXPECT_EQ(writes[0], 2u);  // the first write is the minimum chunk; fast writes grow it
  size_t sum = 0;
  for (size_t n : writes) {
    EXPECT_GE(n, 2u);
    EXPECT_LE(n, 10u);  // never more than one batch
    sum += n;
  }
  EXPECT_EQ(sum, static_cast<size_t>(kLines));
  EXPECT_EQ(Counter(done->ingest_status_json, "documents_written"), static_cast<uint64_t>(kLines))
      << done->ingest_status_json;
}

}  // namespace
}  // namespace sluice::ingest
