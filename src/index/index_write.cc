// The write path of an Index: validation of each operation against the mapping
// (Prepare), then one synced RocksDB batch and the in-memory tables and graphs
// (Write).
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "index/document_record.h"
#include "index/id_generator.h"
#include "index/knn_breaker.h"
#include "index/index.h"
#include "index/vector_record.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "storage/store.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"
#include "vector/vector_index.h"

namespace sluice::index {
namespace {

// Graph bytes a vector takes besides its floats, for the breaker's estimate of
// a batch not yet added (links of layer 0 at m 16, label tables): the graphs'
// MemoryBytes() replace it once the batch is in.
constexpr uint64_t kGraphBytesPerVector = 192;

using util::Status;

// Deep-merges `patch` into `target` (objects merge key by key, anything else
// replaces), as OpenSearch's partial update does.
void MergeInto(rapidjson::Value& target, const rapidjson::Value& patch,
               rapidjson::Document::AllocatorType& alloc) {
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    auto existing = target.FindMember(it->name);
    if (existing != target.MemberEnd() && existing->value.IsObject() && it->value.IsObject()) {
      MergeInto(existing->value, it->value, alloc);
    } else if (existing != target.MemberEnd()) {
      existing->value.CopyFrom(it->value, alloc);
    } else {
      rapidjson::Value k(it->name, alloc);
      rapidjson::Value v(it->value, alloc);
      target.AddMember(k, v, alloc);
    }
  }
}

// The value at a dotted path ("a.b") of a document, or null.
const rapidjson::Value* FindDotted(const rapidjson::Value& doc, std::string_view path) {
  const rapidjson::Value* v = &doc;
  while (v != nullptr && v->IsObject()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    auto it = v->FindMember(rapidjson::StringRef(part.data(), part.size()));
    v = it == v->MemberEnd() ? nullptr : &it->value;
    if (dot == std::string_view::npos) return v;
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

// A new dotted field ("a.b") needs non-empty parts and every parent to be an
// object, as OpenSearch requires; the mapping could not be loaded again if
// such a field were added.
Status CheckDynamicParents(const Mapping& mapping,
                           const std::vector<std::pair<std::string, FieldType>>& new_fields) {
  for (const auto& [path, type] : new_fields) {
    if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) {
      return util::MapperParsingError("failed to parse")
          .WithCause(util::InvalidArgument(
              "object field starting or ending with a [.] makes object resolution ambiguous: [" +
              path + "]"));
    }
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
      std::string parent = path.substr(0, dot);
      std::optional<FieldType> parent_type;
      if (const FieldMapping* f = mapping.Find(parent)) parent_type = f->type;
      for (const auto& [p, t] : new_fields) {
        if (p == parent) parent_type = t;
      }
      if (parent_type && !IsContainer(*parent_type)) {
        return util::MapperParsingError("Could not dynamically add mapping for field [" + path +
                                        "]. Existing mapping for [" + parent +
                                        "] must be of type object but found [" +
                                        std::string(FieldTypeName(*parent_type)) + "].");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

// The state of ids already touched earlier in the same batch.
struct Index::Pending {
  struct State {
    DocNo doc = 0;
    bool exists = false;
    int64_t version = 0;
    int64_t seq_no = 0;
    std::string source;
  };
  std::unordered_map<std::string, State> states;
  struct Prepared {
    std::string id;
    DocNo doc;
    int64_t version;
    int64_t seq_no;
    std::optional<std::string> source;  // nullopt: delete
    std::optional<ParsedDocument> parsed;
    // knn_vector fields an update left as they were: their graphs keep the
    // point instead of rebuilding it.
    std::vector<std::string> unchanged_vectors;
  };
  std::vector<Prepared> prepared;
  bool mapping_changed = false;
  uint64_t vector_bytes = 0;  // graph memory the batch's vectors will take (estimated)
};

WriteResult Index::Prepare(WriteOp& op, Mapping& mapping, Pending& pending) {
  WriteResult result;
  if (op.id.empty()) {
    if (op.type == OpType::kUpdate || op.type == OpType::kDelete) {
      result.status = util::InvalidArgument("an id is required for this operation");
      return result;
    }
    op.id = GenerateId(20);
  }
  result.id = op.id;
  if (op.id.size() > 512) {
    result.status = util::InvalidArgument("id [" + op.id.substr(0, 64) +
                                          "...] is too long, must be no longer than 512 bytes "
                                          "but was: " + std::to_string(op.id.size()));
    return result;
  }
  // Current state: earlier in this batch, else the doc table (stable: writers
  // are serialised and only writers change it).
  Pending::State current;
  bool known = true;
  if (auto it = pending.states.find(op.id); it != pending.states.end()) {
    current = it->second;
  } else if (auto d = doc_numbers_.find(op.id); d != doc_numbers_.end()) {
    current.doc = d->second;
    current.exists = docs_[d->second].live;
    current.version = docs_[d->second].version;
    current.seq_no = docs_[d->second].seq_no;
  } else {
    known = false;
  }
  auto conflict_meta = [&](Status s) {
    return std::move(s).WithMetadata("index", name_).WithMetadata("shard", "0")
        .WithMetadata("index_uuid", uuid_);
  };
  // if_seq_no/if_primary_term: false (result.status set) when the document is not that one.
  auto seq_no_matches = [&]() {
    if (!op.if_seq_no) return true;
    int64_t term = op.if_primary_term.value_or(1);
    if (current.exists && current.seq_no == *op.if_seq_no && term == 1) return true;
    std::string tail = current.exists
                           ? ". current document has seqNo [" + std::to_string(current.seq_no) +
                                 "] and primary term [1]"
                           : ". but no document was found";
    result.status = conflict_meta(
        Status(util::Code::kConflict, "version_conflict_engine_exception",
               "[" + op.id + "]: version conflict, required seqNo [" +
                   std::to_string(*op.if_seq_no) + "], primary term [" + std::to_string(term) +
                   "]" + tail));
    return false;
  };
  // An update of a missing document checks once its body is read: without an upsert it is
  // a document_missing_exception first, as in OpenSearch's UpdateHelper.
  if (!(op.type == OpType::kUpdate && !current.exists) && !seq_no_matches()) return result;

  // External versions compare with the last version the id had, deleted or not (OpenSearch
  // keeps a delete's version as a tombstone); an id never seen has none.
  const bool external = op.version_type != VersionType::kInternal;
  if (external && known) {
    bool gte = op.version_type == VersionType::kExternalGte;
    if (gte ? op.version < current.version : op.version <= current.version) {
      result.status = conflict_meta(Status(
          util::Code::kConflict, "version_conflict_engine_exception",
          "[" + op.id + "]: version conflict, current version [" +
              std::to_string(current.version) + "] is higher" + (gte ? " than" : " or equal to") +
              " the one provided [" + std::to_string(op.version) + "]"));
      return result;
    }
  }

  std::optional<std::string> new_source;
  std::vector<std::string> unchanged_vectors;
  switch (op.type) {
    case OpType::kCreate:
      if (current.exists) {
        result.status = conflict_meta(Status(
            util::Code::kConflict, "version_conflict_engine_exception",
            "[" + op.id + "]: version conflict, document already exists (current version [" +
                std::to_string(current.version) + "])"));
        return result;
      }
      new_source = std::move(op.source);
      break;
    case OpType::kIndex:
      new_source = std::move(op.source);
      break;
    case OpType::kDelete:
      break;
    case OpType::kUpdate: {
      if (op.upsert && !current.exists) {
        if (!seq_no_matches()) return result;
        new_source = std::move(*op.upsert);
        break;
      }
      rapidjson::Document body;
      if (op.upsert) {  // the partial document as is: wrap it as {"doc": ...}
        op.source = "{\"doc\":" + op.source + "}";
      }
      body.Parse(op.source.data(), op.source.size());
      if (body.HasParseError() || !body.IsObject()) {
        result.status = util::ParseError("Failed to parse the update request body");
        return result;
      }
      auto doc = body.FindMember("doc");
      auto upsert = body.FindMember("upsert");
      bool doc_as_upsert = body.HasMember("doc_as_upsert") && body["doc_as_upsert"].IsBool() &&
                           body["doc_as_upsert"].GetBool();
      // detect_noop: false writes a new version even when the merge changes nothing.
      bool detect_noop = !body.HasMember("detect_noop") || !body["detect_noop"].IsBool() ||
                         body["detect_noop"].GetBool();
      if (body.HasMember("script")) {
        result.status = util::InvalidArgument("scripted updates are not supported by sluice");
        return result;
      }
      if (doc == body.MemberEnd() && upsert == body.MemberEnd()) {
        result.status = Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                               "Validation Failed: 1: script or doc is missing;");
        return result;
      }
      if (!current.exists) {
        if ((upsert != body.MemberEnd() || doc_as_upsert) && !seq_no_matches()) return result;
        if (upsert != body.MemberEnd()) {
          new_source = json::ValueText(upsert->value);
        } else if (doc_as_upsert && doc != body.MemberEnd()) {
          new_source = json::ValueText(doc->value);
        } else {
          result.status = conflict_meta(util::NotFound("document_missing_exception",
                                                 "[" + op.id + "]: document missing"));
          return result;
        }
        break;
      }
      std::string old_source;
      if (auto it = pending.states.find(op.id); it != pending.states.end()) {
        old_source = it->second.source;
      } else {
        auto stored = store_->Get(storage::Column::kDocs, DocKey(op.id));
        if (!stored.ok() || !stored->has_value()) {
          result.status = stored.ok() ? util::Internal("document vanished") : stored.status();
          return result;
        }
        auto record = DocumentRecord::Decode(**stored);
        if (!record) {
          result.status = util::Internal("corrupt document record [" + op.id + "]");
          return result;
        }
        old_source = std::string(record->source);
      }
      if (doc == body.MemberEnd()) {  // upsert only, doc exists: nothing to change
        result.result = "noop";
        result.version = current.version;
        result.seq_no = current.seq_no;
        return result;
      }
      rapidjson::Document merged;
      merged.Parse(old_source.data(), old_source.size());
      rapidjson::Document before;
      before.CopyFrom(merged, before.GetAllocator());
      if (!doc->value.IsObject()) {
        result.status = util::ParseError("[doc] must be an object");
        return result;
      }
      MergeInto(merged, doc->value, merged.GetAllocator());
      if (detect_noop && merged == before) {
        result.result = "noop";
        result.version = current.version;
        result.seq_no = current.seq_no;
        return result;
      }
      new_source = json::ValueText(merged);
      for (const auto& [path, field] : mapping.fields()) {
        if (!field.knn) continue;
        const rapidjson::Value* a = FindDotted(before, path);
        const rapidjson::Value* b = FindDotted(merged, path);
        if ((a == nullptr && b == nullptr) || (a != nullptr && b != nullptr && *a == *b)) {
          unchanged_vectors.push_back(path);
        }
      }
      break;
    }
  }

  std::optional<ParsedDocument> parsed;
  if (new_source) {
    // The parse made before the lock holds while the mapping is the one it
    // was made against: not changed since, nor by an earlier op of this batch.
    bool from_op = op.type == OpType::kIndex || op.type == OpType::kCreate ||
                   (op.type == OpType::kUpdate && op.upsert && !current.exists);
    bool reuse = from_op && op.parsed && !pending.mapping_changed &&
                 op.parsed->mapping_version == mapping_version_.load(std::memory_order_relaxed);
    util::Result<ParsedDocument> p =
        reuse ? std::move(op.parsed->parsed) : ParseDocument(*new_source, op.id, mapping);
    if (!p.ok()) {
      result.status = p.status();
      return result;
    }
    if (Status s = CheckDynamicParents(mapping, p->new_fields); !s.ok()) {
      result.status = std::move(s);
      return result;
    }
    for (const auto& [path, type] : p->new_fields) {
      mapping.AddDynamic(path, type);
      pending.mapping_changed = true;
    }
    // The k-NN memory circuit breaker: a document with vectors is refused
    // when the graphs (with this batch's earlier vectors) would exceed it.
    if (options_.knn_breaker && !p->vectors.empty()) {
      uint64_t bytes = 0;
      for (const auto& [field, values] : p->vectors) {
        bytes += values.size() * sizeof(float) + kGraphBytesPerVector;
      }
      if (!options_.knn_breaker->Admit(pending.vector_bytes + bytes)) {
        result.status = KnnBreakerTripped();
        return result;
      }
      pending.vector_bytes += bytes;
    }
    parsed = std::move(*p);
  }
  if (op.type == OpType::kDelete && !current.exists) {
    result.result = "not_found";
    result.version = external ? op.version : 1;
    result.seq_no = next_seq_no_++;
    return result;
  }
  result.version = external ? op.version : current.exists ? current.version + 1 : 1;
  result.seq_no = next_seq_no_++;
  if (!known) current.doc = next_doc_no_++;
  result.result = op.type == OpType::kDelete ? "deleted" : current.exists ? "updated" : "created";
  Pending::State& state = pending.states[op.id];
  state.doc = current.doc;
  state.exists = new_source.has_value();
  state.version = result.version;
  state.seq_no = result.seq_no;
  state.source = new_source.value_or("");
  pending.prepared.push_back({op.id, current.doc, result.version, result.seq_no,
                              std::move(new_source), std::move(parsed),
                              std::move(unchanged_vectors)});
  return result;
}

std::pair<Mapping, uint64_t> Index::MappingSnapshot() const {
  util::ReaderMutexLock state_lock(&state_mu_);
  return {mapping_, mapping_version_.load(std::memory_order_relaxed)};
}

void Index::ParseSources(std::vector<WriteOp>& ops) const {
  // The ops whose document is known before the lock: index and create, and
  // upserts of ids that do not exist now (an existing one merges, under the lock).
  std::vector<WriteOp*> todo;
  size_t bytes = 0;
  Mapping mapping;
  uint64_t version = 0;
  {
    util::ReaderMutexLock state_lock(&state_mu_);
    for (auto& op : ops) {
      if (op.parsed) continue;
      bool creates = op.type == OpType::kIndex || op.type == OpType::kCreate;
      if (op.type == OpType::kUpdate && op.upsert) {
        auto d = doc_numbers_.find(op.id);
        creates = d == doc_numbers_.end() || !docs_[d->second].live;
      }
      if (!creates) continue;
      // The id is in the mapper's messages, so generated ids are chosen now.
      if (op.id.empty()) op.id = GenerateId(20);
      todo.push_back(&op);
      bytes += op.type == OpType::kUpdate ? op.upsert->size() : op.source.size();
    }
    if (todo.empty()) return;
    mapping = mapping_;
    version = mapping_version_.load(std::memory_order_relaxed);
  }
  auto parse = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      WriteOp& op = *todo[i];
      const std::string& text = op.type == OpType::kUpdate ? *op.upsert : op.source;
      op.parsed = ParsedSource{ParseDocument(text, op.id, mapping), version};
    }
  };
  // A thread per ~256 KiB of documents, up to the cores: a _bulk of vectors
  // parses on every core, a small write on the caller's thread alone.
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = std::min({cores, todo.size(), 1 + bytes / (256u << 10)});
  if (threads <= 1) {
    parse(0, todo.size());
    return;
  }
  std::vector<std::thread> workers;
  size_t per = (todo.size() + threads - 1) / threads;
  for (size_t t = 1; t < threads; ++t) {
    size_t begin = std::min(todo.size(), t * per);
    size_t end = std::min(todo.size(), begin + per);
    try {
      workers.emplace_back(parse, begin, end);
    } catch (const std::system_error&) {
      parse(begin, end);  // no thread to be had: this one does the share
    }
  }
  parse(0, std::min(todo.size(), per));
  for (auto& w : workers) w.join();
}

std::vector<WriteResult> Index::Write(std::vector<WriteOp> ops) {
  std::vector<WriteResult> results = WriteUncounted(std::move(ops));
  counters_.CountWrites(results);
  return results;
}

std::vector<WriteResult> Index::WriteUncounted(std::vector<WriteOp> ops) {
  ParseSources(ops);
  std::vector<WriteResult> results;
  results.reserve(ops.size());
  util::MutexLock write_lock(&write_mu_);
  Mapping mapping;  // working copy: dynamic fields of this batch
  Pending pending;
  int64_t first_seq = next_seq_no_;
  DocNo first_doc_no = next_doc_no_;
  {
    // Only writers change the tables and this is the only writer, so the
    // shared lock never waits; it makes the reads below checkable.
    util::ReaderMutexLock state_lock(&state_mu_);
    mapping = mapping_;
    for (auto& op : ops) results.push_back(Prepare(op, mapping, pending));
  }
  if (next_seq_no_ == first_seq) return results;

  storage::WriteBatch batch;
  // Postings: the last state of each document in this batch replaces what is
  // stored for it, in the same batch as the document.
  text::InvertedIndex::StatsDelta text_stats;
  std::unordered_map<DocNo, size_t> last_op;
  for (size_t i = 0; i < pending.prepared.size(); ++i) last_op[pending.prepared[i].doc] = i;
  for (size_t i = 0; i < pending.prepared.size(); ++i) {
    const auto& p = pending.prepared[i];
    if (last_op[p.doc] != i) continue;
    Status s = p.doc < first_doc_no ? text_->Remove(batch, p.doc, &text_stats) : Status::Ok();
    if (!s.ok()) {
      next_seq_no_ = first_seq;
      next_doc_no_ = first_doc_no;
      for (auto& r : results) {
        if (r.status.ok()) r.status = s;
      }
      return results;
    }
    if (p.parsed) text_->Add(batch, p.doc, AnalyzeTexts(*p.parsed, mapping), &text_stats);
  }
  text_->FlushStats(batch, text_stats);
  uint64_t added_bytes = 0;
  for (const auto& p : pending.prepared) {
    if (p.source) {
      DocumentRecord record{p.version, p.seq_no, p.doc, *p.source};
      batch.Put(storage::Column::kDocs, DocKey(p.id), record.Encode());
      added_bytes += p.source->size() + 20;
    } else {
      batch.Delete(storage::Column::kDocs, DocKey(p.id));
    }
  }
  // Vectors in binary beside their documents: graphs are rebuilt from these,
  // never by parsing _source again. A document that had a vector and has none
  // now (or is deleted) loses it; new documents have nothing to delete.
  std::unordered_set<DocNo> seen;
  for (const auto& p : pending.prepared) {
    bool may_have = !seen.insert(p.doc).second || p.doc < first_doc_no;
    for (const auto& [field, graph] : vector_indexes_) {
      if (std::find(p.unchanged_vectors.begin(), p.unchanged_vectors.end(), field) !=
          p.unchanged_vectors.end()) {
        continue;
      }
      const std::vector<float>* v = nullptr;
      if (p.parsed) {
        for (const auto& [f, values] : p.parsed->vectors) {
          if (f == field) v = &values;
        }
      }
      if (v != nullptr) {
        batch.Put(storage::Column::kVectors, VectorKey(field, p.doc), EncodeFloats(*v));
      } else if (may_have) {
        batch.Delete(storage::Column::kVectors, VectorKey(field, p.doc));
      }
    }
  }
  batch.Put(storage::Column::kMeta, "seq/" + uuid_, std::to_string(next_seq_no_));
  if (pending.mapping_changed) {
    batch.Put(storage::Column::kMeta, "index/" + name_, MetadataJson(mapping));
  }
  if (Status s = store_->Write(batch); !s.ok()) {
    next_seq_no_ = first_seq;
    next_doc_no_ = first_doc_no;
    for (auto& r : results) {
      if (r.status.ok()) r.status = s;
    }
    return results;
  }
  stored_bytes_.fetch_add(added_bytes, std::memory_order_relaxed);

  // The batch is durable; publish it to readers.
  std::map<std::string, std::pair<std::vector<uint64_t>, std::vector<float>>> adds;
  std::vector<std::pair<std::string, uint64_t>> removals;
  {
    util::WriterMutexLock state_lock(&state_mu_);
    if (pending.mapping_changed) {
      mapping_ = std::move(mapping);
      mapping_version_.fetch_add(1, std::memory_order_release);
    }
    for (const auto& p : pending.prepared) {
      DocNo doc = p.doc;
      if (doc >= docs_.size()) docs_.resize(doc + 1);
      doc_numbers_[p.id] = doc;
      Apply(doc, p.id, p.version, p.seq_no, p.parsed ? &*p.parsed : nullptr);
      for (const auto& [field, graph] : vector_indexes_) {
        if (std::find(p.unchanged_vectors.begin(), p.unchanged_vectors.end(), field) !=
            p.unchanged_vectors.end()) {
          continue;
        }
        const std::vector<float>* v = nullptr;
        if (p.parsed) {
          for (const auto& [f, values] : p.parsed->vectors) {
            if (f == field) v = &values;
          }
        }
        if (v) {
          auto& add = adds[field];
          add.first.push_back(doc);
          add.second.insert(add.second.end(), v->begin(), v->end());
        } else if (graph->Contains(doc)) {
          removals.emplace_back(field, doc);
        }
      }
    }
  }
  // Graph updates run outside the state lock: VectorIndex is safe to search
  // while it is being built, so readers are not held up by the build.
  for (auto& [field, add] : adds) {
    auto it = vector_indexes_.find(field);
    if (Status s = it->second->AddBatch(add.first, add.second); !s.ok()) {
      // The documents are durable; their vectors were validated by the
      // mapper, so this is a bug or resource failure. Surface it.
      for (auto& r : results) {
        if (r.status.ok()) r.status = s;
      }
    }
  }
  for (const auto& [field, doc] : removals) {
    (void)vector_indexes_.find(field)->second->Remove(doc);
  }
  if (!adds.empty() || !removals.empty()) ReportGraphMemory();
  return results;
}

}  // namespace sluice::index
