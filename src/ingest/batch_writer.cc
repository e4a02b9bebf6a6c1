#include "ingest/batch_writer.h"

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
    util::MutexLock lock(&mu_);
    closing_ = true;
    queue_.clear();
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

util::Status BatchWriter::Push(DocumentBatch batch) {
  util::MutexLock lock(&mu_);
  while (queue_.size() >= depth_ && error_.ok()) cv_.Wait(&mu_);
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(batch));
  cv_.SignalAll();
  return util::Status::Ok();
}

util::Status BatchWriter::Finish() {
  util::MutexLock lock(&mu_);
  while ((!queue_.empty() || busy_) && error_.ok()) cv_.Wait(&mu_);
  return error_;
}

void BatchWriter::Loop() {
  while (true) {
    DocumentBatch batch;
    {
      util::MutexLock lock(&mu_);
      while (queue_.empty() && !closing_) cv_.Wait(&mu_);
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    cv_.SignalAll();
    util::Status status;
    size_t count = batch.documents.size();
    auto results = sink_->Write(std::move(batch.documents));
    progress_->SetSinkStats(sink_->Stats());
    if (!results.ok()) {
      status = results.status();
    } else {
      uint64_t written = 0;
      for (size_t i = 0; i < results->size() && i < count; ++i) {
        if ((*results)[i].ok()) {
          ++written;
        } else {
          progress_->AddFailure(batch.origins[i], (*results)[i].ToString(), /*from_sink=*/true);
        }
      }
      progress_->AddWritten(written);
      status = committed_(batch.checkpoint);
    }
    {
      util::MutexLock lock(&mu_);
      busy_ = false;
      if (!status.ok() && error_.ok()) {
        error_ = status;
        queue_.clear();
      }
    }
    cv_.SignalAll();
  }
}

}  // namespace sluice::ingest
