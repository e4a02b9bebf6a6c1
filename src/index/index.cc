#include "index/index.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "index/document_record.h"
#include "index/id_generator.h"
#include "index/knn_breaker.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "storage/store.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"
#include "vector/vector_index.h"

namespace sluice::index {
namespace {

using util::Status;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Index::Index(storage::Store* store, std::string name, std::string uuid, int64_t creation_date,
             IndexSettings settings, Mapping mapping, IndexOptions options)
    : store_(store),
      name_(std::move(name)),
      uuid_(std::move(uuid)),
      creation_date_(creation_date),
      settings_(nullptr),
      options_(options),
      mapping_(std::move(mapping)) {
  auto first = std::make_unique<const IndexSettings>(std::move(settings));
  settings_.store(first.get(), std::memory_order_release);
  util::MutexLock lock(&write_mu_);  // uncontended: not shared yet
  settings_versions_.push_back(std::move(first));
  // Versions start at random so that a parse made against another Index
  // object (an index deleted and created again under the same name) does not
  // match this one's version by chance.
  std::random_device random;
  mapping_version_.store((uint64_t{random()} << 32) | random(), std::memory_order_relaxed);
}

Index::~Index() {
  if (options_.knn_breaker) options_.knn_breaker->Add(-reported_graph_bytes_.load());
}

void Index::ReportGraphMemory() {
  if (!options_.knn_breaker) return;
  int64_t bytes = 0;
  for (const auto& [field, graph] : vector_indexes_) {
    bytes += static_cast<int64_t>(graph->MemoryBytes());
  }
  options_.knn_breaker->Add(bytes - reported_graph_bytes_.exchange(bytes));
}

std::string Index::DocKey(std::string_view id) const {
  std::string key = uuid_;
  key.push_back('\0');
  key.append(id);
  return key;
}

std::string Index::MetadataJson(const Mapping& mapping) const {
  return MetadataJson(mapping, settings());
}

std::string Index::MetadataJson(const Mapping& mapping, const IndexSettings& settings) const {
  json::JsonWriter w;
  w.StartObject();
  w.Key("uuid").String(uuid_);
  w.Key("creation_date").Int(creation_date_);
  w.Key("settings").Raw(settings.ToFlatJson());
  w.Key("mappings").Raw(mapping.ToJson());
  w.EndObject();
  return w.Take();
}

util::Result<std::shared_ptr<Index>> Index::Create(storage::Store* store, std::string name,
                                                    IndexSettings settings, Mapping mapping,
                                                    IndexOptions options) {
  std::string uuid = GenerateId(22);
  int64_t now = NowMillis();
  settings.SetGenerated(name, uuid, now);
  std::shared_ptr<Index> index(
      new Index(store, name, uuid, now, std::move(settings), std::move(mapping), options));
  {
    // Not shared yet: the locks are uncontended and keep the contract checkable.
    util::MutexLock write_lock(&index->write_mu_);
    util::WriterMutexLock state_lock(&index->state_mu_);
    SLUICE_RETURN_IF_ERROR(index->InitText());
    SLUICE_RETURN_IF_ERROR(index->CreateVectorIndexes());
    storage::WriteBatch batch;
    batch.Put(storage::Column::kMeta, "index/" + name, index->MetadataJson(index->mapping_));
    batch.Put(storage::Column::kMeta, index->TextMarkerKey(), "1");
    batch.Put(storage::Column::kMeta, index->VectorMarkerKey(), "1");
    SLUICE_RETURN_IF_ERROR(store->Write(batch));
  }
  return index;
}

util::Result<std::shared_ptr<Index>> Index::Open(storage::Store* store, std::string_view name,
                                                  std::string_view metadata_json,
                                                  IndexOptions options) {
  rapidjson::Document meta;
  meta.Parse(metadata_json.data(), metadata_json.size());
  if (meta.HasParseError() || !meta.IsObject() || !meta.HasMember("uuid") ||
      !meta["uuid"].IsString() || !meta.HasMember("settings") || !meta["settings"].IsObject() ||
      !meta.HasMember("mappings") || !meta["mappings"].IsObject() ||
      !meta.HasMember("creation_date") || !meta["creation_date"].IsInt64()) {
    return util::Internal("corrupt metadata for index [" + std::string(name) + "]");
  }
  SLUICE_ASSIGN_OR_RETURN(IndexSettings settings,
                          IndexSettings::FromFlatJson(json::ValueText(meta["settings"])));
  SLUICE_ASSIGN_OR_RETURN(Mapping mapping,
                          Mapping::Parse(json::ValueText(meta["mappings"]), settings.knn()));
  std::shared_ptr<Index> index(new Index(store, std::string(name), meta["uuid"].GetString(),
                                         meta["creation_date"].GetInt64(), std::move(settings),
                                         std::move(mapping), options));
  {
    util::MutexLock write_lock(&index->write_mu_);  // not shared yet: uncontended
    util::WriterMutexLock state_lock(&index->state_mu_);
    SLUICE_RETURN_IF_ERROR(index->InitText());
    SLUICE_RETURN_IF_ERROR(index->CreateVectorIndexes());
    SLUICE_RETURN_IF_ERROR(index->Recover());
    SLUICE_RETURN_IF_ERROR(index->BuildTextIndex());
  }
  index->ReportGraphMemory();
  return index;
}

Status Index::CreateVectorIndexes() {
  if (!settings().knn()) return Status::Ok();
  for (const auto& [path, field] : mapping_.fields()) {
    if (!field.knn || vector_indexes_.count(path)) continue;
    vector::VectorIndexOptions vo;
    vo.threads = options_.vector_threads;
    vector::KnnMethod method = *field.knn;
    if (settings().flat().count("index.knn.algo_param.ef_search") &&
        method.ef_search == vector::kDefaultEfSearch) {
      method.ef_search = settings().knn_ef_search();
    }
    SLUICE_ASSIGN_OR_RETURN(auto graph, vector::CreateVectorIndex(method, vo));
    vector_indexes_.emplace(path, std::move(graph));
  }
  return Status::Ok();
}

uint32_t Index::InternField(const std::string& path) {
  auto [it, inserted] = field_ids_.emplace(path, static_cast<uint32_t>(field_ids_.size()));
  return it->second;
}

void Index::Apply(DocNo doc, const std::string& id, int64_t version, int64_t seq_no,
                  const ParsedDocument* parsed) {
  DocEntry& entry = docs_[doc];
  bool was_live = entry.live;
  entry.id = id;
  entry.version = version;
  entry.seq_no = seq_no;
  entry.values.clear();
  entry.live = parsed != nullptr;
  if (parsed != nullptr) {
    entry.values.reserve(parsed->values.size());
    for (const auto& v : parsed->values) {
      entry.values.push_back({InternField(v.path), v.kind, v.text, v.number});
    }
    // token_count: the number of positions the field's analyzer produces
    // (removed stop words count, as with enable_position_increments).
    for (const auto& [path, text] : parsed->token_counts) {
      auto tokens = IndexAnalyzer(path).Analyze(text);
      double count = tokens.empty() ? 0 : tokens.back().position + 1;
      entry.values.push_back({InternField(path), IndexedValue::Kind::kNumber, "", count});
    }
  }
  if (entry.live && !was_live) ++live_count_;
  if (!entry.live && was_live) --live_count_;
}

std::shared_ptr<const storage::Snapshot> Index::StoreSnapshot() const {
  if (view_snapshot_) return view_snapshot_;
  return store_->GetSnapshot();
}

util::Result<std::optional<StoredDocument>> Index::Get(std::string_view id) const {
  if (view_snapshot_) return Get(id, *view_snapshot_);
  SLUICE_ASSIGN_OR_RETURN(auto stored, store_->Get(storage::Column::kDocs, DocKey(id)));
  return DecodeStored(id, stored);
}

util::Result<std::optional<StoredDocument>> Index::Get(std::string_view id,
                                                       const storage::Snapshot& snapshot) const {
  SLUICE_ASSIGN_OR_RETURN(auto stored, store_->Get(storage::Column::kDocs, DocKey(id), snapshot));
  return DecodeStored(id, stored);
}

util::Result<std::optional<StoredDocument>> Index::DecodeStored(
    std::string_view id, const std::optional<std::string>& stored) const {
  if (!stored) return std::optional<StoredDocument>();
  auto record = DocumentRecord::Decode(*stored);
  if (!record) return util::Internal("corrupt document record");
  StoredDocument doc;
  doc.id = std::string(id);
  doc.version = record->version;
  doc.seq_no = record->seq_no;
  doc.source = std::string(record->source);
  return std::optional<StoredDocument>(std::move(doc));
}

util::Result<std::optional<StoredDocument>> Index::Load(DocNo doc) const {
  return Get(docs_[doc].id);
}

std::optional<StoredDocument> Index::LoadMeta(DocNo doc) const {
  const DocEntry& e = docs_[doc];
  if (!e.live) return std::nullopt;
  return StoredDocument{e.id, e.version, e.seq_no, {}};
}

std::shared_ptr<Index> Index::PointInTimeView(const std::shared_ptr<Index>& source) {
  // Holding the write lock: no batch is between its Store write and its
  // publication, so the snapshot and the copied tables show the same writes.
  util::MutexLock write_lock(&source->write_mu_);
  util::ReaderMutexLock state_lock(&source->state_mu_);
  IndexOptions options;  // no breaker, no checkpoints: the view owns no graph
  std::shared_ptr<Index> view(new Index(source->store_, source->name_, source->uuid_,
                                        source->creation_date_, source->settings(),
                                        source->mapping_, options));
  util::MutexLock view_write(&view->write_mu_);  // not shared yet: uncontended
  util::WriterMutexLock view_state(&view->state_mu_);
  view->docs_ = source->docs_;
  view->doc_numbers_ = source->doc_numbers_;
  view->field_ids_ = source->field_ids_;
  view->live_count_ = source->live_count_;
  view->analyzers_ = source->analyzers_;
  view->view_snapshot_ = source->store_->GetSnapshot();
  view->text_ =
      std::make_unique<text::InvertedIndex>(source->store_, source->uuid_, view->view_snapshot_);
  for (const auto& [field, graph] : source->vector_indexes_) {
    view->view_vectors_.emplace(field, graph.get());
  }
  view->view_source_ = source;
  return view;
}

Status Index::MergeMapping(std::string_view mappings_json) {
  util::MutexLock write_lock(&write_mu_);
  Mapping next;
  {
    util::ReaderMutexLock state_lock(&state_mu_);  // uncontended: writers hold write_mu_
    next = mapping_;
  }
  SLUICE_RETURN_IF_ERROR(next.Merge(mappings_json, settings().knn()));
  SLUICE_RETURN_IF_ERROR(CheckAnalyzers(next));
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, "index/" + name_, MetadataJson(next));
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  util::WriterMutexLock state_lock(&state_mu_);
  mapping_ = std::move(next);
  mapping_version_.fetch_add(1, std::memory_order_release);
  return CreateVectorIndexes();
}

Status Index::UpdateSettings(IndexSettings next) {
  util::MutexLock write_lock(&write_mu_);
  auto published = std::make_unique<const IndexSettings>(std::move(next));
  std::string metadata;
  {
    util::ReaderMutexLock state_lock(&state_mu_);
    metadata = MetadataJson(mapping_, *published);
  }
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, "index/" + name_, metadata);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  settings_.store(published.get(), std::memory_order_release);
  settings_versions_.push_back(std::move(published));
  return Status::Ok();
}

Status Index::Drop() {
  util::MutexLock write_lock(&write_mu_);
  storage::WriteBatch batch;
  std::string begin = uuid_;
  begin.push_back('\0');
  std::string end = uuid_;
  end.push_back('\1');
  batch.DeleteRange(storage::Column::kDocs, begin, end);
  batch.Delete(storage::Column::kMeta, "index/" + name_);
  batch.Delete(storage::Column::kMeta, "seq/" + uuid_);
  batch.Delete(storage::Column::kMeta, "vckpt/" + uuid_);
  batch.Delete(storage::Column::kMeta, TextMarkerKey());
  batch.Delete(storage::Column::kMeta, VectorMarkerKey());
  batch.DeleteRange(storage::Column::kVectors, begin, end);
  text_->Drop(batch);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  if (!options_.vector_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(CheckpointDir(), ec);  // derived data: best effort
  }
  return Status::Ok();
}

std::string Index::MappingJson() const {
  util::ReaderMutexLock lock(&state_mu_);
  return mapping_.ToJson();
}

uint64_t Index::doc_count() const {
  util::ReaderMutexLock lock(&state_mu_);
  return live_count_;
}

Index::FieldMemory Index::FieldMemoryStats() const {
  util::ReaderMutexLock lock(&state_mu_);
  FieldMemory out;
  // Field id -> the map its values count in (null: neither kind).
  std::vector<std::map<std::string, uint64_t>*> sink;
  std::vector<const std::string*> path;
  for (const auto& [name, id] : field_ids_) {
    if (id >= sink.size()) {
      sink.resize(id + 1, nullptr);
      path.resize(id + 1, nullptr);
    }
    const FieldMapping* f = mapping_.Find(name);
    if (f == nullptr) continue;
    if (f->type == FieldType::kCompletion) {
      sink[id] = &out.completion;
    } else if (f->fielddata && IsTextual(f->type)) {
      sink[id] = &out.fielddata;
    }
    path[id] = &name;
  }
  for (const auto& doc : docs_) {
    if (!doc.live) continue;
    for (const auto& v : doc.values) {
      if (v.field < sink.size() && sink[v.field] != nullptr) {
        (*sink[v.field])[*path[v.field]] += v.text.size() + sizeof(Value);
      }
    }
  }
  return out;
}

uint64_t Index::stored_bytes() const { return stored_bytes_.load(std::memory_order_relaxed); }

std::optional<DocNo> Index::Find(std::string_view id) const {
  auto it = doc_numbers_.find(std::string(id));
  if (it == doc_numbers_.end() || !docs_[it->second].live) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> Index::FieldId(std::string_view path) const {
  // An alias reads its target's values.
  auto it = field_ids_.find(std::string(mapping_.ResolvePath(path)));
  if (it == field_ids_.end()) return std::nullopt;
  return it->second;
}

const vector::VectorIndex* Index::vectors(std::string_view field) const {
  if (view_source_) {
    auto v = view_vectors_.find(field);
    return v == view_vectors_.end() ? nullptr : v->second;
  }
  auto it = vector_indexes_.find(field);
  return it == vector_indexes_.end() ? nullptr : it->second.get();
}

}  // namespace sluice::index
