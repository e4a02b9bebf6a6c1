// The text side of an Index: analyzers from the settings and the mapping,
// analysis of documents for the inverted index, and building postings for
// documents stored before the index had them.
#include <spdlog/spdlog.h>

#include "index/document_record.h"
#include "index/index.h"
#include "storage/store.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"

namespace sluice::index {

using util::Status;

Status Index::InitText() {
  SLUICE_ASSIGN_OR_RETURN(analyzers_, text::AnalyzerRegistry::FromSettings(settings().flat()));
  text_ = std::make_unique<text::InvertedIndex>(store_, uuid_);
  return CheckAnalyzers(mapping_);
}

Status Index::CheckAnalyzers(const Mapping& mapping) const {
  for (const auto& [path, field] : mapping.fields()) {
    for (const std::string* name : {&field.analyzer, &field.search_analyzer}) {
      if (!name->empty() && analyzers_->Find(*name) == nullptr) {
        return util::MapperParsingError("analyzer [" + *name +
                                        "] has not been configured in mappings");
      }
    }
  }
  return Status::Ok();
}

const text::Analyzer& Index::IndexAnalyzer(std::string_view field) const {
  const FieldMapping* f = mapping_.Find(field);
  if (f && !f->analyzer.empty()) {
    if (const text::Analyzer* a = analyzers_->Find(f->analyzer)) return *a;
  }
  return analyzers_->Default();
}

const text::Analyzer& Index::SearchAnalyzer(std::string_view field) const {
  const FieldMapping* f = mapping_.Find(field);
  if (f && !f->search_analyzer.empty()) {
    if (const text::Analyzer* a = analyzers_->Find(f->search_analyzer)) return *a;
  }
  if (const auto* search_default = analyzers_->Find("default_search")) return *search_default;
  return IndexAnalyzer(field);
}

std::vector<text::FieldTerms> Index::AnalyzeTexts(const ParsedDocument& parsed,
                                                  const Mapping& mapping) const {
  std::vector<text::FieldTerms> fields;
  std::vector<int32_t> next_position;
  for (const auto& [path, value] : parsed.texts) {
    size_t i = 0;
    while (i < fields.size() && fields[i].field != path) ++i;
    if (i == fields.size()) {
      fields.emplace_back().field = path;
      next_position.push_back(0);
    }
    const FieldMapping* f = mapping.Find(path);
    const text::Analyzer* analyzer = nullptr;
    if (f && !f->analyzer.empty()) analyzer = analyzers_->Find(f->analyzer);
    if (analyzer == nullptr) analyzer = &analyzers_->Default();
    text::AddTokens(analyzer->Analyze(value), fields[i], &next_position[i]);
  }
  return fields;
}

Status Index::BuildTextIndex() {
  SLUICE_ASSIGN_OR_RETURN(auto marker, store_->Get(storage::Column::kMeta, TextMarkerKey()));
  if (marker) return Status::Ok();
  // A build that was cut short left some postings: start from nothing.
  storage::WriteBatch clear;
  text_->Drop(clear);
  SLUICE_RETURN_IF_ERROR(store_->Write(clear));
  std::string prefix = uuid_;
  prefix.push_back('\0');
  storage::WriteBatch batch;
  text::InvertedIndex::StatsDelta stats;
  size_t in_batch = 0, indexed = 0;
  Status error;
  Status scan = store_->Scan(
      storage::Column::kDocs, prefix,
      [&](std::string_view key, std::string_view value) REQUIRES_SHARED(state_mu_) {
        auto record = DocumentRecord::Decode(value);
        if (!record) return true;  // Recover already refused corrupt records
        auto parsed = ParseDocument(record->source, key.substr(prefix.size()), mapping_);
        if (!parsed.ok()) return true;  // kept unsearchable, as Recover does
        text_->Add(batch, record->doc_no, AnalyzeTexts(*parsed, mapping_), &stats);
        ++indexed;
        if (++in_batch >= 512) {
          text_->FlushStats(batch, stats);
          error = store_->Write(batch);
          batch = storage::WriteBatch();
          in_batch = 0;
        }
        return error.ok();
      });
  SLUICE_RETURN_IF_ERROR(scan);
  SLUICE_RETURN_IF_ERROR(error);
  text_->FlushStats(batch, stats);
  batch.Put(storage::Column::kMeta, TextMarkerKey(), "1");
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  spdlog::info("event=text_index_built index={} documents={}", name_, indexed);
  return Status::Ok();
}

}  // namespace sluice::index
