#include "ingest/local_index_sink.h"

#include <spdlog/spdlog.h>

#include "index/catalog.h"
#include "index/index.h"
#include "storage/store.h"

namespace sluice::ingest {
namespace {

class LocalIndexTyper : public DocumentTyper {
 public:
  explicit LocalIndexTyper(std::shared_ptr<index::Index> index) : index_(std::move(index)) {}

  index::ParsedSource Type(std::string_view id, std::string_view source_json,
                           std::span<const index::RecordField> fields) override {
    if (!have_mapping_ || version_ != index_->mapping_version()) {
      std::tie(mapping_, version_) = index_->MappingSnapshot();
      have_mapping_ = true;
    }
    return {index::ParseRecordFields(source_json, fields, id, mapping_), version_};
  }

 private:
  std::shared_ptr<index::Index> index_;
  index::Mapping mapping_;
  uint64_t version_ = 0;
  bool have_mapping_ = false;
};

}  // namespace

LocalIndexSink::LocalIndexSink(index::Catalog* catalog, std::string index_name)
    : catalog_(catalog), index_name_(std::move(index_name)) {}

util::Result<SinkSchema> LocalIndexSink::Describe() {
  SLUICE_ASSIGN_OR_RETURN(auto index, catalog_->Get(index_name_));
  SinkSchema schema;
  const index::Index& idx = *index;
  index::Index::ReadGuard guard(idx);
  for (const auto& [path, field] : idx.mapping().fields()) {
    if (path.find('.') == std::string::npos) schema.top_level_fields.push_back(path);
    if (field.knn) schema.vector_fields.push_back({path, field.knn->dimension});
  }
  return schema;
}

std::unique_ptr<DocumentTyper> LocalIndexSink::NewTyper() {
  auto index = catalog_->Get(index_name_);
  if (!index.ok()) return nullptr;  // the first Write reports it
  return std::make_unique<LocalIndexTyper>(std::move(*index));
}

util::Result<std::vector<util::Status>> LocalIndexSink::Write(std::vector<SinkDocument> documents) {
  // Looked up per batch: a deleted index fails the task instead of writing
  // into an index object nobody can see.
  SLUICE_ASSIGN_OR_RETURN(auto index, catalog_->Get(index_name_));
  std::vector<index::WriteResult> results;
  // A full disk pauses the ingestion: the batch is written again, once a
  // second, until space is back (the store resumes by itself) or the task is
  // cancelled. The documents are copied into each attempt so they survive a
  // failed one.
  for (bool paused = false;;) {
    std::vector<index::WriteOp> ops;
    ops.reserve(documents.size());
    for (const auto& doc : documents) {
      index::WriteOp op;
      op.type = doc.upsert_json ? index::OpType::kUpdate : index::OpType::kIndex;
      op.id = doc.id;
      op.source = doc.source_json;
      op.upsert = doc.upsert_json;
      op.parsed = doc.parsed;
      ops.push_back(std::move(op));
    }
    results = index->Write(std::move(ops));
    bool disk_full = !results.empty() && storage::IsDiskFull(results.front().status);
    if (!disk_full) {
      if (paused)
        spdlog::info("event=ingest_resumed index={} reason=\"disk space is back\"", index_name_);
      break;
    }
    if (!paused) {
      spdlog::warn(
          "event=ingest_paused index={} reason=\"disk full\" action=\"retrying every "
          "second until space is freed or the task is cancelled\"",
          index_name_);
      paused = true;
    }
    if (util::SleepUnlessCancelled(cancel_.load(), std::chrono::seconds(1))) {
      return util::Cancelled("the task was cancelled while the disk was full");
    }
  }
  std::vector<util::Status> statuses;
  statuses.reserve(results.size());
  for (auto& r : results) {
    // A storage failure fails every item alike: that is the whole batch failing.
    if (!r.status.ok() && r.status.code() == util::Code::kIoError) return r.status;
    statuses.push_back(std::move(r.status));
  }
  return statuses;
}

}  // namespace sluice::ingest
