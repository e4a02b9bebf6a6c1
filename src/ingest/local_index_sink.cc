#include "ingest/local_index_sink.h"

#include "index/catalog.h"

namespace sluice::ingest {

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

util::Result<std::vector<util::Status>> LocalIndexSink::Write(std::vector<SinkDocument> documents) {
  // Looked up per batch: a deleted index fails the task instead of writing
  // into an index object nobody can see.
  SLUICE_ASSIGN_OR_RETURN(auto index, catalog_->Get(index_name_));
  std::vector<index::WriteOp> ops;
  ops.reserve(documents.size());
  for (auto& doc : documents) {
    index::WriteOp op;
    op.type = doc.upsert_json ? index::OpType::kUpdate : index::OpType::kIndex;
    op.id = std::move(doc.id);
    op.source = std::move(doc.source_json);
    op.upsert = std::move(doc.upsert_json);
    ops.push_back(std::move(op));
  }
  std::vector<index::WriteResult> results = index->Write(std::move(ops));
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
