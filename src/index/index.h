// Index: one OpenSearch index — settings, mapping, documents and the vector
// graphs of its knn_vector fields.
//
// Truth lives in the Store: every write is one synced WriteBatch (documents,
// sequence counter, mapping changes) before it is applied to the in-memory
// tables that search reads (doc table, field values, vector graphs), which are
// rebuilt from the Store on open.
//
// Documents are searchable as soon as a write returns (sluice refreshes on
// every write; `_refresh` is accepted and has nothing left to do).
//
// Thread-safety: writes are serialised by an internal mutex; any number of
// readers run concurrently with each other (ReadGuard) and with a write's
// storage phase. All methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/document_parser.h"
#include "index/index_settings.h"
#include "index/mapping.h"
#include "util/result.h"

namespace sluice::storage {
class Store;
}
namespace sluice::vector {
class VectorIndex;
struct SearchParams;
struct Neighbor;
}  // namespace sluice::vector

namespace sluice::index {

using DocNo = uint32_t;

enum class OpType { kIndex, kCreate, kUpdate, kDelete };

struct WriteOp {
  OpType type = OpType::kIndex;
  std::string id;      // empty for index/create: an id is generated
  std::string source;  // index/create: the document; update: {"doc":..,"doc_as_upsert":..,"upsert":..}
  std::optional<int64_t> if_seq_no;        // optimistic concurrency (index/delete)
  std::optional<int64_t> if_primary_term;  // always 1 in sluice
};

struct WriteResult {
  util::Status status;  // not ok: the item failed (its error), nothing written for it
  std::string id;
  int64_t version = 0;
  int64_t seq_no = 0;
  // "created", "updated", "deleted", "not_found" or "noop".
  std::string result;
};

struct StoredDocument {
  std::string id;
  int64_t version = 0;
  int64_t seq_no = 0;
  std::string source;
};

struct IndexOptions {
  int vector_threads = 0;  // threads for graph builds (0 = all cores)
  // Directory for vector graph checkpoints ("" = none: graphs are rebuilt
  // from the stored documents at every open).
  std::string vector_dir;
};

class Index {
 public:
  // Creates a new index and persists its metadata.
  static util::Result<std::shared_ptr<Index>> Create(storage::Store* store, std::string name,
                                                      IndexSettings settings, Mapping mapping,
                                                      IndexOptions options);
  // Loads an index from its persisted metadata record and rebuilds its
  // in-memory tables and vector graphs from the stored documents.
  static util::Result<std::shared_ptr<Index>> Open(storage::Store* store, std::string_view name,
                                                    std::string_view metadata_json,
                                                    IndexOptions options);
  ~Index();

  const std::string& name() const { return name_; }
  const std::string& uuid() const { return uuid_; }
  int64_t creation_date() const { return creation_date_; }
  const IndexSettings& settings() const { return settings_; }

  // Applies ops in order as one durable batch; one result per op.
  std::vector<WriteResult> Write(std::vector<WriteOp> ops);
  // Real-time get (sees every acknowledged write).
  util::Result<std::optional<StoredDocument>> Get(std::string_view id) const;
  // PUT _mapping.
  util::Status MergeMapping(std::string_view mappings_json);
  // Deletes every stored record of this index (documents, metadata,
  // graph checkpoints).
  util::Status Drop();
  // Saves every vector graph with the sequence number it includes, when
  // anything was written since the last checkpoint. At the next open the
  // graphs are loaded and caught up from the documents written after it,
  // instead of rebuilt. Writers wait while it runs; searches do not.
  util::Status Checkpoint();

  std::string MappingJson() const;
  uint64_t doc_count() const;
  uint64_t stored_bytes() const;  // any thread, without waiting for writers

  // ---- Read access for search. Hold a ReadGuard while using these. ----
  class ReadGuard {
   public:
    explicit ReadGuard(const Index& index) : lock_(index.state_mu_) {}

   private:
    std::shared_lock<std::shared_mutex> lock_;
  };
  DocNo max_doc() const { return static_cast<DocNo>(docs_.size()); }
  bool live(DocNo doc) const { return docs_[doc].live; }
  const std::string& id(DocNo doc) const { return docs_[doc].id; }
  std::optional<DocNo> Find(std::string_view id) const;
  const Mapping& mapping() const { return mapping_; }
  // Values of a field for a doc (strings for keyword/text tokens, numbers for
  // numeric/date/boolean fields). field_id from FieldId().
  struct Value {
    uint32_t field;
    IndexedValue::Kind kind;
    std::string text;
    double number;
  };
  std::optional<uint32_t> FieldId(std::string_view path) const;
  const std::vector<Value>& values(DocNo doc) const { return docs_[doc].values; }
  // The vector graph of a knn_vector field, or nullptr (index.knn false or no such field).
  const vector::VectorIndex* vectors(std::string_view field) const;
  // A stored document by doc number (for hits).
  util::Result<std::optional<StoredDocument>> Load(DocNo doc) const;

 private:
  struct DocEntry {
    std::string id;
    int64_t version = 0;
    int64_t seq_no = 0;
    bool live = false;
    std::vector<Value> values;
  };
  struct Pending;

  Index(storage::Store* store, std::string name, std::string uuid, int64_t creation_date,
        IndexSettings settings, Mapping mapping, IndexOptions options);
  util::Status Recover();
  // Loads graph checkpoints that match the mapping; returns the sequence
  // number each loaded field's graph includes, and sets *next_doc_no to the
  // doc number counter at checkpoint time.
  std::map<std::string, int64_t> LoadCheckpoints(DocNo* next_doc_no);
  std::string CheckpointDir() const;
  std::string CheckpointPath(const std::string& field) const;
  util::Status CreateVectorIndexes();
  std::string MetadataJson(const Mapping& mapping) const;
  std::string DocKey(std::string_view id) const;
  uint32_t InternField(const std::string& path);
  void Apply(DocNo doc, const std::string& id, int64_t version, int64_t seq_no,
             const ParsedDocument* parsed);
  WriteResult Prepare(WriteOp& op, Mapping& mapping, Pending& pending);

  storage::Store* const store_;
  const std::string name_;
  const std::string uuid_;
  const int64_t creation_date_;
  const IndexSettings settings_;
  const IndexOptions options_;

  std::mutex write_mu_;  // serialises writers
  int64_t next_seq_no_ = 0;           // guarded by write_mu_
  DocNo next_doc_no_ = 0;             // guarded by write_mu_
  int64_t checkpoint_seq_no_ = -1;    // guarded by write_mu_: next_seq_no_ at the last checkpoint
  // Written under write_mu_; read lock-free by stats and the metrics scrape
  // (which must not wait for a long write), hence atomic. Approximate.
  std::atomic<uint64_t> stored_bytes_{0};

  mutable std::shared_mutex state_mu_;  // guards everything below
  Mapping mapping_;
  std::vector<DocEntry> docs_;
  std::unordered_map<std::string, DocNo> doc_numbers_;
  std::unordered_map<std::string, uint32_t> field_ids_;
  uint64_t live_count_ = 0;
  std::map<std::string, std::unique_ptr<vector::VectorIndex>, std::less<>> vector_indexes_;
};

}  // namespace sluice::index
