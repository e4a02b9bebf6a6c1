#include "ingest/batch_writer.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <iterator>
#include <vector>

namespace sluice::ingest {
namespace {

// How often a blocked Push/Finish looks at the cancellation flag.
constexpr auto kCancelPoll = std::chrono::milliseconds(20);
// How long one sink write of a chunked batch should take.
constexpr double kChunkTargetSeconds = 0.25;

util::Status CancelledStatus() { return util::Cancelled("the task was cancelled"); }

}  // namespace

BatchWriter::BatchWriter(DocumentSink* sink, IngestProgress* progress, size_t depth,
                         std::function<util::Status(const std::string&)> committed,
                         std::function<bool()> cancelled, size_t chunk_documents)
    : sink_(sink),
      progress_(progress),
      depth_(depth == 0 ? 1 : depth),
      committed_(std::move(committed)),
      cancelled_(std::move(cancelled)),
      chunk_documents_(chunk_documents),
      next_chunk_(chunk_documents),
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

template <typename Pred>
void BatchWriter::WaitOrCancel(Pred pred) {
  if (!cancelled_) {
    while (!pred()) cv_.Wait(&mu_);
    return;
  }
  while (!pred() && !Cancelled()) cv_.WaitFor(&mu_, kCancelPoll);
}

util::Status BatchWriter::Push(DocumentBatch batch) {
  util::MutexLock lock(&mu_);
  WaitOrCancel([&]() REQUIRES(mu_) { return queue_.size() < depth_ || !error_.ok(); });
  if (!error_.ok()) return error_;
  if (Cancelled()) return CancelledStatus();
  queue_.push_back(std::move(batch));
  cv_.SignalAll();
  return util::Status::Ok();
}

util::Status BatchWriter::Finish() {
  util::MutexLock lock(&mu_);
  WaitOrCancel([&]() REQUIRES(mu_) { return (queue_.empty() && !busy_) || !error_.ok(); });
  if (!error_.ok()) return error_;
  if (queue_.empty() && !busy_ && !dropped_) return util::Status::Ok();  // all written
  // Cancelled: nothing queued is sent any more, and the batch being written
  // stops after its current chunk.
  queue_.clear();
  while (busy_) cv_.Wait(&mu_);
  return error_.ok() ? CancelledStatus() : error_;
}

util::Status BatchWriter::WriteBatch(DocumentBatch& batch) {
  const size_t total = batch.documents.size();
  for (size_t begin = 0, end = 0;; begin = end) {
    if (Cancelled()) return CancelledStatus();
    end = chunk_documents_ == 0 ? total : std::min(total, begin + next_chunk_);
    std::vector<SinkDocument> part;
    if (begin == 0 && end == total) {
      part = std::move(batch.documents);
    } else {
      part.assign(std::make_move_iterator(batch.documents.begin() + begin),
                  std::make_move_iterator(batch.documents.begin() + end));
    }
    const auto started = std::chrono::steady_clock::now();
    auto results = sink_->Write(std::move(part));
    if (chunk_documents_ != 0) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      double rate = static_cast<double>(end - begin) / std::max(seconds, 1e-6);
      next_chunk_ = std::max(chunk_documents_,
                             static_cast<size_t>(std::min(rate * kChunkTargetSeconds, 1e9)));
    }
    progress_->SetSinkStats(sink_->Stats());
    if (!results.ok()) return results.status();
    uint64_t written = 0;
    for (size_t i = 0; i < results->size() && begin + i < end; ++i) {
      if ((*results)[i].ok()) {
        ++written;
      } else {
        progress_->AddFailure(batch.origins[begin + i], (*results)[i].ToString(),
                              /*from_sink=*/true);
      }
    }
    progress_->AddWritten(written);
    if (end >= total) break;
  }
  return committed_(batch.checkpoint);
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
    // The thread's edge: an exception from the sink (a third-party library,
    // std::bad_alloc) fails the task instead of std::terminate()-ing the server.
    util::Status status;
    try {
      status = WriteBatch(batch);
    } catch (const std::exception& e) {
      status = util::Internal(std::string("writing a batch failed: ") + e.what());
    } catch (...) {
      status = util::Internal("writing a batch failed: unknown exception");
    }
    {
      util::MutexLock lock(&mu_);
      busy_ = false;
      if (!status.ok() && error_.ok()) {
        // Cancelled is not an error of the writer: Push/Finish report it.
        if (status.code() == util::Code::kCancelled) {
          dropped_ = true;
        } else {
          error_ = status;
        }
        queue_.clear();
      }
    }
    cv_.SignalAll();
  }
}

}  // namespace sluice::ingest
