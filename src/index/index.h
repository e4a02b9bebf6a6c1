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
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/document_parser.h"
#include "index/index_settings.h"
#include "index/mapping.h"
#include "index/operation_counters.h"
#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::storage {
class Store;
class Snapshot;
}
namespace sluice::text {
class Analyzer;
class AnalyzerRegistry;
class InvertedIndex;
struct FieldTerms;
}  // namespace sluice::text
namespace sluice::vector {
class VectorIndex;
struct SearchParams;
struct Neighbor;
}  // namespace sluice::vector

namespace sluice::index {

class KnnMemoryBreaker;

using DocNo = uint32_t;

enum class OpType { kIndex, kCreate, kUpdate, kDelete };

// OpenSearch's VersionType: internal versions are counted by the index; external ones
// are given with each write (index/delete) and must grow: strictly (kExternal) or
// not shrink (kExternalGte).
enum class VersionType { kInternal, kExternal, kExternalGte };

struct WriteOp {
  OpType type = OpType::kIndex;
  std::string id;      // empty for index/create: an id is generated
  std::string source;  // index/create: the document; update: {"doc":..,"doc_as_upsert":..,"upsert":..}
  std::optional<int64_t> if_seq_no;        // optimistic concurrency (index/delete)
  std::optional<int64_t> if_primary_term;  // always 1 in sluice
  // kExternal/kExternalGte (index/delete only): `version` is the document's new version,
  // a conflict unless it is above (kExternalGte: at least) the current one.
  VersionType version_type = VersionType::kInternal;
  int64_t version = 0;
  // update only: when set, `source` is the partial document itself (merged
  // into an existing document, as an update's "doc") and this is the document
  // written when none exists (its "upsert") — batch ingestion's form, which
  // spares parsing and re-writing a request body around large vectors.
  std::optional<std::string> upsert = std::nullopt;
  // The parse of the document this op writes when it creates one (index and
  // create: `source`; an update with `upsert`: the upsert), made outside the
  // write lock — by the caller (batch ingestion, from its simdjson parse) or by
  // Write itself (ParseSources). Empty: Write parses it.
  std::optional<ParsedSource> parsed = std::nullopt;
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
  // knn.memory.circuit_breaker.limit over the graphs of every index sharing
  // it (index/knn_breaker.h); null = no breaker.
  std::shared_ptr<KnnMemoryBreaker> knn_breaker;
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
  // The current settings. The reference stays valid for the index's life:
  // UpdateSettings publishes a new object and keeps the old ones (settings
  // change rarely; readers need no lock).
  const IndexSettings& settings() const { return *settings_.load(std::memory_order_acquire); }
  // PUT /<index>/_settings: persists `next` (from IndexSettings::WithUpdates)
  // with the index metadata, then publishes it.
  util::Status UpdateSettings(IndexSettings next) EXCLUDES(write_mu_);

  // Applies ops in order as one durable batch; one result per op. Documents
  // are parsed before the write lock is taken (ParseSources), in parallel
  // when there are many; under the lock only the ordering work is left.
  // Counted in counters() once the batch is done.
  std::vector<WriteResult> Write(std::vector<WriteOp> ops) EXCLUDES(write_mu_, state_mu_);
  // Parses, against the current mapping, the document of every op that
  // creates one and has no `parsed` yet; several threads share large batches.
  void ParseSources(std::vector<WriteOp>& ops) const EXCLUDES(state_mu_);
  // Bumped by every mapping change (dynamic fields, PUT _mapping); lock-free.
  uint64_t mapping_version() const { return mapping_version_.load(std::memory_order_acquire); }
  // The mapping now and its version, copied under the state lock.
  std::pair<Mapping, uint64_t> MappingSnapshot() const EXCLUDES(state_mu_);
  // Real-time get (sees every acknowledged write).
  util::Result<std::optional<StoredDocument>> Get(std::string_view id) const;
  // A read view of the stored documents now (for scroll contexts), and a get
  // as of such a view: later writes and deletes are not seen.
  std::shared_ptr<const storage::Snapshot> StoreSnapshot() const;
  util::Result<std::optional<StoredDocument>> Get(std::string_view id,
                                                  const storage::Snapshot& snapshot) const;
  // A read-only view of `source` as it is now, for a point in time: its doc
  // table copied and every read of the Store (documents, postings, text
  // statistics) made through one snapshot, taken while no write is in flight
  // so that tables and snapshot agree. The view shares the vector graphs of
  // `source` (graphs cannot be snapshotted): knn on a view sees vectors as
  // they are now, of the documents live in the view. Costs memory like the
  // doc table (ids and doc values); never written to, never in the catalog.
  static std::shared_ptr<Index> PointInTimeView(const std::shared_ptr<Index>& source)
      EXCLUDES(source->write_mu_, source->state_mu_);
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

  std::string MappingJson() const EXCLUDES(state_mu_);
  uint64_t doc_count() const EXCLUDES(state_mu_);
  // Bytes held in memory for the values of each completion field and of each
  // text field mapped with fielddata: true, by path (GET _stats: completion
  // and fielddata). Walks every document's values.
  struct FieldMemory {
    std::map<std::string, uint64_t> completion;
    std::map<std::string, uint64_t> fielddata;
  };
  FieldMemory FieldMemoryStats() const EXCLUDES(state_mu_);
  // Approximate bytes of stored documents; lock-free (read by the metrics
  // collector while writes run).
  uint64_t stored_bytes() const;
  // What has been done to this index since it was opened (GET /_stats). The
  // write path counts writes; the REST handlers count gets, searches,
  // refreshes and flushes.
  OperationCounters& counters() const { return counters_; }

  // ---- Read access for search. Hold a ReadGuard while using these. ----
  class SCOPED_CAPABILITY ReadGuard {
   public:
    explicit ReadGuard(const Index& index) ACQUIRE_SHARED(index.state_mu_)
        : lock_(&index.state_mu_) {}
    ~ReadGuard() RELEASE() {}

   private:
    util::ReaderMutexLock lock_;
  };
  DocNo max_doc() const REQUIRES_SHARED(state_mu_) { return static_cast<DocNo>(docs_.size()); }
  bool live(DocNo doc) const REQUIRES_SHARED(state_mu_) { return docs_[doc].live; }
  const std::string& id(DocNo doc) const REQUIRES_SHARED(state_mu_) { return docs_[doc].id; }
  std::optional<DocNo> Find(std::string_view id) const REQUIRES_SHARED(state_mu_);
  const Mapping& mapping() const REQUIRES_SHARED(state_mu_) { return mapping_; }
  // Values of a field for a doc (strings for keyword/text tokens, numbers for
  // numeric/date/boolean fields). field_id from FieldId().
  struct Value {
    uint32_t field;
    IndexedValue::Kind kind;
    std::string text;
    double number;
  };
  std::optional<uint32_t> FieldId(std::string_view path) const REQUIRES_SHARED(state_mu_);
  const std::vector<Value>& values(DocNo doc) const REQUIRES_SHARED(state_mu_) {
    return docs_[doc].values;
  }
  // The postings and statistics of the text fields.
  const text::InvertedIndex& text_index() const { return *text_; }
  // The built-in and custom (index.analysis) analyzers of this index.
  const text::AnalyzerRegistry& analyzers() const { return *analyzers_; }
  // The analyzer a field's text is indexed with / queries on it are analyzed
  // with (search_analyzer, else analyzer, else the index default).
  const text::Analyzer& IndexAnalyzer(std::string_view field) const REQUIRES_SHARED(state_mu_);
  const text::Analyzer& SearchAnalyzer(std::string_view field) const REQUIRES_SHARED(state_mu_);
  // The vector graph of a knn_vector field, or nullptr (index.knn false or no such field).
  const vector::VectorIndex* vectors(std::string_view field) const REQUIRES_SHARED(state_mu_);
  // A stored document by doc number (for hits).
  util::Result<std::optional<StoredDocument>> Load(DocNo doc) const REQUIRES_SHARED(state_mu_);
  // The id, version and seq_no of a live document (source left empty), from
  // memory: for hits that show no _source. nullopt when it is deleted.
  std::optional<StoredDocument> LoadMeta(DocNo doc) const REQUIRES_SHARED(state_mu_);

 private:
  std::vector<WriteResult> WriteUncounted(std::vector<WriteOp> ops)
      EXCLUDES(write_mu_, state_mu_);
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
  util::Status Recover() REQUIRES(write_mu_, state_mu_);
  // Tells the breaker how the graphs' memory changed since the last report.
  void ReportGraphMemory();
  util::Result<std::optional<StoredDocument>> DecodeStored(
      std::string_view id, const std::optional<std::string>& stored) const;
  // Loads graph checkpoints that match the mapping; returns the sequence
  // number each loaded field's graph includes, and sets *next_doc_no to the
  // doc number counter at checkpoint time.
  std::map<std::string, int64_t> LoadCheckpoints(DocNo* next_doc_no)
      REQUIRES(write_mu_, state_mu_);
  std::string CheckpointDir() const;
  std::string CheckpointPath(const std::string& field) const;
  util::Status CreateVectorIndexes() REQUIRES(write_mu_, state_mu_);
  // Sets up analysis from the settings and checks the mapping's analyzers.
  util::Status InitText() REQUIRES(write_mu_, state_mu_);
  util::Status CheckAnalyzers(const Mapping& mapping) const;
  // The text fields of a parsed document, analyzed as the mapping says.
  std::vector<text::FieldTerms> AnalyzeTexts(const ParsedDocument& parsed,
                                             const Mapping& mapping) const;
  // Indexes the text of documents stored before this index had postings.
  util::Status BuildTextIndex() REQUIRES(write_mu_, state_mu_);
  std::string TextMarkerKey() const { return "textidx/" + uuid_; }
  // Set once every vector of this index is in Column::kVectors (new indexes
  // at creation; older ones after their first open migrates them).
  std::string VectorMarkerKey() const { return "vecstore/" + uuid_; }
  // "<uuid>\0<field>\0" and the key of one document's vector under it.
  std::string VectorPrefix(std::string_view field) const;
  std::string VectorKey(std::string_view field, DocNo doc) const;
  // Graph rebuild from Column::kVectors (no _source parsed): adds every live
  // document's vector that its field's checkpoint (graph_seq) lacks, and
  // removes from loaded graphs the documents whose vector went after it.
  util::Status LoadStoredVectors(const std::map<std::string, int64_t>& graph_seq, size_t* added)
      REQUIRES(write_mu_, state_mu_);
  std::string MetadataJson(const Mapping& mapping) const;
  std::string MetadataJson(const Mapping& mapping, const IndexSettings& settings) const;
  std::string DocKey(std::string_view id) const;
  uint32_t InternField(const std::string& path) REQUIRES(state_mu_);
  void Apply(DocNo doc, const std::string& id, int64_t version, int64_t seq_no,
             const ParsedDocument* parsed) REQUIRES(state_mu_);
  WriteResult Prepare(WriteOp& op, Mapping& mapping, Pending& pending) REQUIRES(write_mu_)
      REQUIRES_SHARED(state_mu_);

  storage::Store* const store_;
  const std::string name_;
  const std::string uuid_;
  const int64_t creation_date_;
  std::atomic<const IndexSettings*> settings_;
  const IndexOptions options_;
  // Every settings object published (the current one last), kept so that
  // references from settings() never dangle.
  std::vector<std::unique_ptr<const IndexSettings>> settings_versions_ GUARDED_BY(write_mu_);

  util::Mutex write_mu_ ACQUIRED_BEFORE(state_mu_);  // serialises writers
  int64_t next_seq_no_ GUARDED_BY(write_mu_) = 0;
  DocNo next_doc_no_ GUARDED_BY(write_mu_) = 0;
  int64_t checkpoint_seq_no_ GUARDED_BY(write_mu_) = -1;  // next_seq_no_ at the last checkpoint
  // Added to by writers (under write_mu_), read by anyone: the metrics
  // collector must not wait behind a long write.
  std::atomic<uint64_t> stored_bytes_{0};
  mutable OperationCounters counters_;
  // Changed only with state_mu_ held exclusively, together with mapping_.
  std::atomic<uint64_t> mapping_version_{1};

  // Readers hold state_mu_ shared. Writers hold write_mu_ and take state_mu_
  // exclusively to publish a batch; only they change these fields.
  mutable util::SharedMutex state_mu_;
  Mapping mapping_ GUARDED_BY(state_mu_);
  std::vector<DocEntry> docs_ GUARDED_BY(state_mu_);
  std::unordered_map<std::string, DocNo> doc_numbers_ GUARDED_BY(state_mu_);
  std::unordered_map<std::string, uint32_t> field_ids_ GUARDED_BY(state_mu_);
  uint64_t live_count_ GUARDED_BY(state_mu_) = 0;
  // Changed only with both locks held (new knn fields), so either lock keeps
  // the map stable; the graphs synchronise themselves. Not annotated: the
  // analysis cannot say "write_mu_ or state_mu_".
  std::map<std::string, std::unique_ptr<vector::VectorIndex>, std::less<>> vector_indexes_;
  // Point-in-time views only (PointInTimeView): the snapshot every read goes
  // through, the graphs borrowed from the source and the source keeping them alive.
  std::shared_ptr<const storage::Snapshot> view_snapshot_;
  std::map<std::string, const vector::VectorIndex*, std::less<>> view_vectors_;
  std::shared_ptr<const Index> view_source_;
  std::shared_ptr<const text::AnalyzerRegistry> analyzers_;  // set at Create/Open, then const
  std::unique_ptr<text::InvertedIndex> text_;
  std::atomic<int64_t> reported_graph_bytes_{0};  // last told to options_.knn_breaker
};

}  // namespace sluice::index
