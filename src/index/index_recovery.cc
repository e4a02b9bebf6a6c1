// Index recovery at open and vector graph checkpoints: rebuilding the
// in-memory tables from the stored documents, and loading graphs from their
// checkpoints then catching them up, instead of rebuilding them.
#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>

#include "index/document_record.h"
#include "index/index.h"
#include "index/vector_record.h"
#include "storage/store.h"
#include "vector/vector_index.h"

namespace sluice::index {

using util::Status;

std::string Index::CheckpointDir() const {
  return (std::filesystem::path(options_.vector_dir) / uuid_).string();
}

std::string Index::CheckpointPath(const std::string& field) const {
  // Field names may hold any character: hex-encode them for the file name.
  static const char* kHex = "0123456789abcdef";
  std::string name;
  for (unsigned char c : field) {
    name += kHex[c >> 4];
    name += kHex[c & 15];
  }
  return (std::filesystem::path(CheckpointDir()) / (name + ".graph")).string();
}

std::string Index::VectorPrefix(std::string_view field) const {
  std::string key = uuid_;
  key.push_back('\0');
  key.append(field);
  key.push_back('\0');
  return key;
}

std::string Index::VectorKey(std::string_view field, DocNo doc) const {
  std::string key = VectorPrefix(field);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(doc >> shift));
  return key;
}

Status Index::LoadStoredVectors(const std::map<std::string, int64_t>& graph_seq, size_t* added) {
  for (auto& entry : vector_indexes_) {
    // Named references, not a structured binding: the lambdas below use both, and
    // clang before 16 cannot capture structured bindings (the fuzz/ASan build is clang).
    const std::string& field = entry.first;
    auto& graph = entry.second;
    auto seq = graph_seq.find(field);
    const size_t dimension = static_cast<size_t>(graph->method().dimension);
    const std::string prefix = VectorPrefix(field);
    std::vector<uint64_t> labels;
    std::vector<float> floats;
    std::vector<bool> has(docs_.size());
    Status error;
    auto flush = [&]() -> Status {
      Status s = labels.empty() ? Status::Ok() : graph->AddBatch(labels, floats);
      labels.clear();
      floats.clear();
      return s;
    };
    auto visit = [&](std::string_view key, std::string_view value)
                     REQUIRES(write_mu_, state_mu_) -> bool {
      if (key.size() != prefix.size() + 4) {
        error = util::Internal("corrupt vector key in index [" + name_ + "]");
        return false;
      }
      DocNo doc = 0;
      for (size_t i = prefix.size(); i < key.size(); ++i) {
        doc = (doc << 8) | static_cast<unsigned char>(key[i]);
      }
      if (doc >= docs_.size() || !docs_[doc].live) return true;  // not a document now
      has[doc] = true;
      if (seq != graph_seq.end() && docs_[doc].seq_no < seq->second) return true;  // in the graph
      if (!AppendFloats(value, dimension, &floats)) {
        error = util::Internal("corrupt vector of field [" + field + "] in index [" + name_ + "]");
        return false;
      }
      labels.push_back(doc);
      ++*added;
      if (labels.size() >= 8192) error = flush();
      return error.ok();
    };
    SLUICE_RETURN_IF_ERROR(store_->Scan(storage::Column::kVectors, prefix, visit));
    SLUICE_RETURN_IF_ERROR(error);
    SLUICE_RETURN_IF_ERROR(flush());
    if (seq == graph_seq.end()) continue;
    // Written after the checkpoint without a vector: out of the loaded graph.
    for (DocNo doc = 0; doc < docs_.size(); ++doc) {
      if (docs_[doc].live && !has[doc] && docs_[doc].seq_no >= seq->second &&
          graph->Contains(doc)) {
        SLUICE_RETURN_IF_ERROR(graph->Remove(doc));
      }
    }
  }
  return Status::Ok();
}

std::map<std::string, int64_t> Index::LoadCheckpoints(DocNo* next_doc_no) {
  std::map<std::string, int64_t> loaded;
  *next_doc_no = 0;
  if (options_.vector_dir.empty() || vector_indexes_.empty()) return loaded;
  auto meta = store_->Get(storage::Column::kMeta, "vckpt/" + uuid_);
  if (!meta.ok() || !meta->has_value()) return loaded;
  // "<next seq_no> <next doc number>" at checkpoint time.
  size_t space = (*meta)->find(' ');
  if (space == std::string::npos) return loaded;
  unsigned long long doc_counter = std::strtoull((*meta)->c_str() + space + 1, nullptr, 10);
  for (auto& [field, graph] : vector_indexes_) {
    vector::VectorIndexOptions vo;
    vo.threads = options_.vector_threads;
    auto checkpoint = vector::LoadVectorIndex(CheckpointPath(field), vo);
    if (!checkpoint.ok()) {
      spdlog::warn("event=graph_checkpoint_unusable index={} field={} reason=\"{}\" action=rebuild",
                   name_, field, checkpoint.status().ToString());
      continue;
    }
    const vector::KnnMethod& want = graph->method();
    const vector::KnnMethod& got = checkpoint->index->method();
    if (!vector::SameGraphLayout(want, got)) {
      spdlog::warn("event=graph_checkpoint_unusable index={} field={} reason=\"method changed\" "
                   "action=rebuild", name_, field);
      continue;
    }
    graph = std::move(checkpoint->index);
    loaded[field] = static_cast<int64_t>(checkpoint->last_seq);
  }
  *next_doc_no = static_cast<DocNo>(doc_counter);
  return loaded;
}

Status Index::Recover() {
  if (auto seq = store_->Get(storage::Column::kMeta, "seq/" + uuid_); seq.ok() && seq->has_value()) {
    // Stored text, so parsed without exceptions: a damaged value fails this
    // index's load with a reason instead of ending the process.
    const std::string& text = **seq;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
      return util::Internal("corrupt sequence number [" + text + "] stored for index [" + name_ +
                            "]");
    }
    next_seq_no_ = value;
  }
  // Indexes whose vectors are all in Column::kVectors rebuild their graphs
  // from there; older ones take them from _source this once and store them.
  SLUICE_ASSIGN_OR_RETURN(auto vector_marker,
                          store_->Get(storage::Column::kMeta, VectorMarkerKey()));
  const bool binary_vectors = vector_marker.has_value();
  storage::WriteBatch migration;
  DocNo checkpoint_doc_no = 0;
  // Per field: documents with a smaller seq_no are already in its loaded graph.
  std::map<std::string, int64_t> graph_seq = LoadCheckpoints(&checkpoint_doc_no);
  // Vectors are added in batches so graph construction runs in parallel.
  std::map<std::string, std::pair<std::vector<uint64_t>, std::vector<float>>> vectors;
  std::vector<std::pair<std::string, DocNo>> removals;
  Status error;
  std::string prefix = uuid_;
  prefix.push_back('\0');
  auto flush_vectors = [&]() REQUIRES(write_mu_, state_mu_) -> Status {
    for (auto& [field, batch] : vectors) {
      auto it = vector_indexes_.find(field);
      if (it != vector_indexes_.end() && !batch.first.empty()) {
        SLUICE_RETURN_IF_ERROR(it->second->AddBatch(batch.first, batch.second));
      }
      batch.first.clear();
      batch.second.clear();
    }
    return Status::Ok();
  };
  size_t pending_vectors = 0;
  size_t added_vectors = 0;
  // The callback runs on this thread, inside Scan, with both locks held.
  auto visit = [&](std::string_view key, std::string_view value)
                   REQUIRES(write_mu_, state_mu_) -> bool {
    auto record = DocumentRecord::Decode(value);
    if (!record) {
      error = util::Internal("corrupt document record in index [" + name_ + "]");
      return false;
    }
    std::string id(key.substr(prefix.size()));
    auto parsed = ParseDocument(record->source, id, mapping_);
    // A field mapped after this document was written (PUT _mapping on a field
    // that dynamic:false left unindexed) may not fit it. OpenSearch keeps such
    // documents, so keep it rather than fail the whole index; it is stored and
    // retrievable but has no searchable values until it is rewritten.
    if (!parsed.ok()) parsed = ParsedDocument();
    for (const auto& [path, type] : parsed->new_fields) mapping_.AddDynamic(path, type);
    DocNo doc = record->doc_no;
    if (doc >= docs_.size()) docs_.resize(doc + 1);
    next_doc_no_ = std::max<DocNo>(next_doc_no_, doc + 1);
    doc_numbers_[id] = doc;
    Apply(doc, id, record->version, record->seq_no, &*parsed);
    if (!binary_vectors) {
      for (const auto& [field, values] : parsed->vectors) {
        if (vector_indexes_.count(field)) {
          migration.Put(storage::Column::kVectors, VectorKey(field, doc), EncodeFloats(values));
        }
      }
      if (migration.Count() >= 8192) {
        error = store_->Write(migration);
        migration = storage::WriteBatch();
        if (!error.ok()) return false;
      }
    }
    for (const auto& [field, graph] : vector_indexes_) {
      if (binary_vectors) break;  // LoadStoredVectors, after the scan
      auto seq = graph_seq.find(field);
      if (seq != graph_seq.end() && record->seq_no < seq->second) continue;  // in the graph
      const std::vector<float>* v = nullptr;
      for (const auto& [f, values] : parsed->vectors) {
        if (f == field) v = &values;
      }
      if (v != nullptr) {
        auto& batch = vectors[field];
        batch.first.push_back(doc);
        batch.second.insert(batch.second.end(), v->begin(), v->end());
        ++pending_vectors;
        ++added_vectors;
      } else if (seq != graph_seq.end()) {
        removals.emplace_back(field, doc);  // its vector was removed after the checkpoint
      }
    }
    stored_bytes_.fetch_add(value.size(), std::memory_order_relaxed);
    next_seq_no_ = std::max(next_seq_no_, record->seq_no + 1);
    if (pending_vectors >= 8192) {
      error = flush_vectors();
      pending_vectors = 0;
      if (!error.ok()) return false;
    }
    return true;
  };
  Status scan = store_->Scan(storage::Column::kDocs, prefix, visit);
  SLUICE_RETURN_IF_ERROR(scan);
  SLUICE_RETURN_IF_ERROR(error);
  SLUICE_RETURN_IF_ERROR(flush_vectors());
  if (binary_vectors) {
    SLUICE_RETURN_IF_ERROR(LoadStoredVectors(graph_seq, &added_vectors));
  } else {
    migration.Put(storage::Column::kMeta, VectorMarkerKey(), "1");
    SLUICE_RETURN_IF_ERROR(store_->Write(migration));
  }
  // Documents deleted after the checkpoint are still in the loaded graphs.
  for (const auto& [field, seq] : graph_seq) {
    vector::VectorIndex* graph = vector_indexes_[field].get();
    DocNo end = std::max<DocNo>(checkpoint_doc_no, static_cast<DocNo>(docs_.size()));
    for (DocNo doc = 0; doc < end; ++doc) {
      if ((doc >= docs_.size() || !docs_[doc].live) && graph->Contains(doc)) {
        removals.emplace_back(field, doc);
      }
    }
  }
  for (const auto& [field, doc] : removals) {
    SLUICE_RETURN_IF_ERROR(vector_indexes_[field]->Remove(doc));
  }
  next_doc_no_ = std::max(next_doc_no_, checkpoint_doc_no);
  if (!graph_seq.empty()) {
    spdlog::info("event=graphs_loaded index={} fields={} caught_up_vectors={}", name_,
                 graph_seq.size(), added_vectors);
  }
  return Status::Ok();
}

Status Index::Checkpoint() {
  util::MutexLock write_lock(&write_mu_);
  if (options_.vector_dir.empty() || vector_indexes_.empty() ||
      checkpoint_seq_no_ == next_seq_no_) {
    return Status::Ok();
  }
  std::error_code ec;
  std::filesystem::create_directories(CheckpointDir(), ec);
  if (ec) return util::IoError("cannot create " + CheckpointDir() + ": " + ec.message());
  // Writers are held by write_mu_, so every graph holds exactly the writes
  // with seq_no < next_seq_no_ (graph updates finish inside Write).
  for (const auto& [field, graph] : vector_indexes_) {
    SLUICE_RETURN_IF_ERROR(graph->Save(CheckpointPath(field), static_cast<uint64_t>(next_seq_no_)));
  }
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, "vckpt/" + uuid_,
            std::to_string(next_seq_no_) + " " + std::to_string(next_doc_no_));
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  checkpoint_seq_no_ = next_seq_no_;
  return Status::Ok();
}

}  // namespace sluice::index
