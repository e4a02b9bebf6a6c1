// LocalIndexSink: a DocumentSink over an index of this server's Catalog,
// through the same write path as _bulk (mapping validation, vector graphs,
// one synced storage batch per Write). A full disk pauses Write: the batch is
// retried once a second until it fits (the store resumes by itself) or the
// task's cancel signal fires (then kCancelled).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "ingest/document_sink.h"

namespace sluice::index {
class Catalog;
}

namespace sluice::ingest {

class LocalIndexSink : public DocumentSink {
 public:
  // catalog must outlive the sink.
  LocalIndexSink(index::Catalog* catalog, std::string index_name);
  util::Result<SinkSchema> Describe() override;
  util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) override;
  void SetCancelSignal(const util::CancelSignal* cancel) override { cancel_ = cancel; }
  // Parses against a copy of the index's mapping, copied again whenever the
  // index's mapping_version moves on (dynamic fields of an earlier batch).
  std::unique_ptr<DocumentTyper> NewTyper() override;

 private:
  index::Catalog* catalog_;
  std::string index_name_;
  std::atomic<const util::CancelSignal*> cancel_{nullptr};  // not owned
};

}  // namespace sluice::ingest
