#include "ingest/batch_writer.h"

#include <exception>

namespace sluice::ingest {

BatchWriter::BatchWriter(DocumentSink* sink, IngestProgress* progress, size_t depth,
                         std::function<util::Status(const std::string&)> committed)
    : sink_(sink),
      progress_(progress),
      depth_(depth == 0 ? 1 : depth),
      committed_(std::move(committed)),
      thread_([this] { Loop(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

util::Status BatchWriter::Push(DocumentBatch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < depth_ || !error_.ok(); });
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(batch));
  cv_.notify_all();
  return util::Status::Ok();
}

util::Status BatchWriter::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || !error_.ok(); });
  return error_;
}

util::Status BatchWriter::WriteOne(DocumentBatch& batch) {
  size_t count = batch.documents.size();
  auto results = sink_->Write(std::move(batch.documents));
  progress_->SetSinkStats(sink_->Stats());
  if (!results.ok()) return results.status();
  uint64_t written = 0;
  for (size_t i = 0; i < results->size() && i < count; ++i) {
    if ((*results)[i].ok()) {
      ++written;
    } else if (i < batch.origins.size()) {
      progress_->AddFailure(batch.origins[i], (*results)[i].ToString(), /*from_sink=*/true);
    }
  }
  progress_->AddWritten(written);
  return committed_(batch.checkpoint);
}

void BatchWriter::Loop() {
  while (true) {
    DocumentBatch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    cv_.notify_all();
    // The thread's edge: an exception from the sink (a third-party library,
    // std::bad_alloc) fails the task instead of std::terminate()-ing the server.
    util::Status status;
    try {
      status = WriteOne(batch);
    } catch (const std::exception& e) {
      status = util::Internal(std::string("writing a batch failed: ") + e.what());
    } catch (...) {
      status = util::Internal("writing a batch failed: unknown exception");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
      if (!status.ok() && error_.ok()) {
        error_ = status;
        queue_.clear();
      }
    }
    cv_.notify_all();
  }
}

}  // namespace sluice::ingest
