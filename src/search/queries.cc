#include "search/queries.h"

#include <algorithm>
#include <cmath>

#include "index/date_parse.h"
#include "index/document_parser.h"
#include "search/search_errors.h"
#include "search/text_queries.h"
#include "search/typed_field_queries.h"
#include "vector/vector_index.h"

namespace sluice::search {
namespace {

using index::FieldType;
using index::Index;
using index::IndexedValue;

// The field ids of a field and, for objects, of everything below it.
std::vector<uint32_t> FieldIds(const Index& index, const std::string& field) {
  std::vector<uint32_t> ids;
  if (auto id = index.FieldId(field)) ids.push_back(*id);
  std::string prefix = field + ".";
  const auto& fields = index.mapping().fields();
  for (auto it = fields.lower_bound(prefix);
       it != fields.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (auto id = index.FieldId(it->first)) ids.push_back(*id);
  }
  return ids;
}

// Scans live documents, keeping those with a value of `field_id` for which
// `match` holds.
template <typename Match>
DocList ScanValues(const Index& index, uint32_t field_id, float boost, Match match) {
  DocList out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    for (const auto& v : index.values(doc)) {
      if (v.field == field_id && match(v)) {
        out.push_back({doc, boost});
        break;
      }
    }
  }
  return out;
}

// A query value as a number for a numeric, date or boolean field.
std::optional<double> AsNumber(const QueryValue& value, FieldType type) {
  if (value.kind == QueryValue::Kind::kNumber || value.kind == QueryValue::Kind::kBool) {
    return value.number;
  }
  if (index::IsDateLike(type)) {
    if (auto ms = index::ParseDateMillis(value.text)) return static_cast<double>(*ms);
    return std::nullopt;
  }
  if (type == FieldType::kBoolean) {
    if (value.text == "true") return 1.0;
    if (value.text == "false") return 0.0;
    return std::nullopt;
  }
  char* end = nullptr;
  double d = std::strtod(value.text.c_str(), &end);
  if (value.text.empty() || end != value.text.c_str() + value.text.size()) return std::nullopt;
  return d;
}

// Text fields are not held in memory: these scans read each live document's
// stored _source and test the field's values there.
template <typename Match>
util::Result<DocList> ScanSources(const Index& index, const std::string& field, float boost,
                                  Match match) {
  DocList out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    // Read the loaded document in place: moving the optional<StoredDocument> out of the
    // Result copies nothing useful and makes GCC 12 under ASan see its strings as
    // maybe-uninitialized (-Wmaybe-uninitialized false positives on the moved payload).
    const auto loaded = index.Load(doc);
    if (!loaded.ok()) return loaded.status();
    const std::optional<index::StoredDocument>& stored = *loaded;
    if (!stored) continue;
    if (match(index::SourceValues(stored->source, field))) out.push_back({doc, boost});
  }
  return out;
}

bool IsNumberLike(FieldType type) {
  return index::IsNumeric(type) || index::IsDateLike(type) || type == FieldType::kBoolean;
}

}  // namespace

util::Result<DocList> MatchAllQuery::Execute(const Index& index) const {
  DocList out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (index.live(doc)) out.push_back({doc, boost_});
  }
  return out;
}

util::Result<DocList> IdsQuery::Execute(const Index& index) const {
  DocList out;
  for (const auto& id : ids_) {
    if (auto doc = index.Find(id)) out.push_back({*doc, boost_});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.doc < b.doc; });
  out.erase(std::unique(out.begin(), out.end(), [](auto& a, auto& b) { return a.doc == b.doc; }),
            out.end());
  return out;
}

util::Result<std::optional<Explanation>> Query::Explain(const Index& index,
                                                       index::DocNo doc) const {
  SLUICE_ASSIGN_OR_RETURN(DocList docs, Execute(index));
  auto it = std::lower_bound(docs.begin(), docs.end(), doc,
                             [](const ScoredDoc& d, index::DocNo n) { return d.doc < n; });
  if (it == docs.end() || it->doc != doc) return std::optional<Explanation>();
  return std::optional<Explanation>(Explanation{it->score, "score, not broken down by sluice", {}});
}

util::Result<std::optional<Explanation>> TermsQuery::Explain(const Index& index,
                                                            index::DocNo doc) const {
  const index::FieldMapping* field = index.mapping().Find(field_);
  if (field != nullptr && field->type == FieldType::kText && values_.size() == 1) {
    return ExplainTextTerm(index, field_, values_[0].text, boost_, doc);
  }
  return Query::Explain(index, doc);
}

util::Result<std::optional<Explanation>> BoolQuery::Explain(const Index& index,
                                                           index::DocNo doc) const {
  if (boost != 1.0f || (must.empty() && should.empty())) return Query::Explain(index, doc);
  // The document must match; its score is the sum of the matching scoring clauses.
  SLUICE_ASSIGN_OR_RETURN(DocList docs, Execute(index));
  auto it = std::lower_bound(docs.begin(), docs.end(), doc,
                             [](const ScoredDoc& d, index::DocNo n) { return d.doc < n; });
  if (it == docs.end() || it->doc != doc) return std::optional<Explanation>();
  Explanation out{it->score, "sum of:", {}};
  for (const auto* list : {&must, &should}) {
    for (const auto& q : *list) {
      SLUICE_ASSIGN_OR_RETURN(auto e, q->Explain(index, doc));
      if (e) out.details.push_back(std::move(*e));
    }
  }
  for (const auto& q : filter) {
    SLUICE_ASSIGN_OR_RETURN(auto e, q->Explain(index, doc));
    if (e) out.details.push_back({0.0f, "match on required clause, product of:", {{0.0f, "# clause", {}}, std::move(*e)}});
  }
  return std::optional<Explanation>(std::move(out));
}

void TermsQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  const index::FieldMapping* field = index.mapping().Find(field_);
  if (field == nullptr || field->type != FieldType::kText) return;
  for (const auto& v : values_) out.fields[field_].terms.push_back(v.text);
}

void BoolQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  for (const auto* list : {&must, &filter, &should}) {
    for (const auto& q : *list) q->CollectHighlightTerms(index, out);
  }
}

util::Result<DocList> TermsQuery::Execute(const Index& index) const {
  const index::FieldMapping* field = index.mapping().Find(field_);
  if (field != nullptr && index::IsTextual(field->type)) {
    // A term matches a text field's analyzed tokens, the term itself
    // unanalyzed: BM25-scored for one term (TermQuery), constant for several
    // (TermInSetQuery), as in Lucene.
    if (values_.size() == 1) return ScoreTextTerm(index, field_, values_[0].text, boost_);
    std::vector<index::DocNo> docs;
    for (const auto& v : values_) {
      SLUICE_ASSIGN_OR_RETURN(DocList d, ScoreTextTerm(index, field_, v.text, 1.0f));
      for (const auto& x : d) docs.push_back(x.doc);
    }
    std::sort(docs.begin(), docs.end());
    docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
    DocList out;
    for (auto d : docs) out.push_back({d, boost_});
    return out;
  }
  if (field != nullptr) {
    if (auto typed = TypedTerms(index, *field, field_, values_, boost_)) return std::move(*typed);
  }
  auto id = index.FieldId(field_);
  if (field == nullptr || !id) return DocList();
  if (IsNumberLike(field->type)) {
    std::vector<double> numbers;
    for (const auto& v : values_) {
      auto n = AsNumber(v, field->type);
      if (!n) {
        return ShardError(index, "failed to parse value [" + v.text + "] for field [" + field_ +
                                     "] of type [" + std::string(FieldTypeName(field->type)) + "]");
      }
      numbers.push_back(*n);
    }
    return ScanValues(index, *id, boost_, [&](const Index::Value& v) {
      return std::find(numbers.begin(), numbers.end(), v.number) != numbers.end();
    });
  }
  return ScanValues(index, *id, boost_, [&](const Index::Value& v) {
    for (const auto& q : values_) {
      if (q.text == v.text) return true;
    }
    return false;
  });
}

util::Result<DocList> RangeQuery::Execute(const Index& index) const {
  const index::FieldMapping* field = index.mapping().Find(field_);
  if (field != nullptr) {
    if (auto typed = TypedRange(index, *field, field_, lower_, upper_, relation_, boost_)) {
      return std::move(*typed);
    }
  }
  auto id = index.FieldId(field_);
  if (field == nullptr || !id) return DocList();
  if (IsNumberLike(field->type)) {
    std::optional<double> lo, hi;
    for (auto [bound, out] : {std::pair{&lower_, &lo}, std::pair{&upper_, &hi}}) {
      if (!*bound) continue;
      *out = AsNumber((*bound)->value, field->type);
      if (!*out) {
        return ShardError(index, "failed to parse value [" + (*bound)->value.text +
                                     "] for range query on field [" + field_ + "]");
      }
    }
    return ScanValues(index, *id, boost_, [&](const Index::Value& v) {
      if (lo && (lower_->inclusive ? v.number < *lo : v.number <= *lo)) return false;
      if (hi && (upper_->inclusive ? v.number > *hi : v.number >= *hi)) return false;
      return true;
    });
  }
  return ScanValues(index, *id, boost_, [&](const Index::Value& v) {
    if (lower_) {
      int c = v.text.compare(lower_->value.text);
      if (c < 0 || (c == 0 && !lower_->inclusive)) return false;
    }
    if (upper_) {
      int c = v.text.compare(upper_->value.text);
      if (c > 0 || (c == 0 && !upper_->inclusive)) return false;
    }
    return true;
  });
}

util::Result<DocList> ExistsQuery::Execute(const Index& index) const {
  DocList out;
  const auto* mapped = index.mapping().Find(field_);
  if (mapped != nullptr) {
    if (auto typed = TypedExists(index, *mapped, boost_)) return std::move(*typed);
  }
  if (mapped != nullptr && (index::IsTextual(mapped->type) || index::IsContainer(mapped->type))) {
    return ScanSources(index, field_, boost_,
                       [](const std::vector<std::string>& values) { return !values.empty(); });
  }
  if (const auto* field = mapped; field != nullptr && field->type == FieldType::kKnnVector) {
    const vector::VectorIndex* graph = index.vectors(field_);
    if (graph == nullptr) return out;
    for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
      if (index.live(doc) && graph->Contains(doc)) out.push_back({doc, boost_});
    }
    return out;
  }
  std::vector<uint32_t> ids = FieldIds(index, field_);
  if (ids.empty()) return out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    for (const auto& v : index.values(doc)) {
      if (std::find(ids.begin(), ids.end(), v.field) != ids.end()) {
        out.push_back({doc, boost_});
        break;
      }
    }
  }
  return out;
}

util::Result<DocList> PrefixQuery::Execute(const Index& index) const {
  if (const auto* field = index.mapping().Find(field_); field && index::IsTextual(field->type)) {
    return TextPrefix(index, field_, prefix_, boost_);
  }
  auto id = index.FieldId(field_);
  if (!id) return DocList();
  return ScanValues(index, *id, boost_, [&](const Index::Value& v) {
    return v.kind == IndexedValue::Kind::kString && v.text.compare(0, prefix_.size(), prefix_) == 0;
  });
}

util::Result<DocList> BoolQuery::Execute(const Index& index) const {
  const size_t n = index.max_doc();
  // Dense per-document tallies: simple and fast at the sizes one node holds.
  // Lucene sums a conjunction's and a disjunction's clauses in double and
  // rounds each group to float (ConjunctionScorer, DisjunctionSumScorer), then
  // adds the two (ReqOptSumScorer).
  std::vector<double> must_score(n, 0.0), should_score(n, 0.0);
  std::vector<uint32_t> required(n, 0), should_hits(n, 0);
  std::vector<bool> excluded(n, false);
  const uint32_t required_count = static_cast<uint32_t>(must.size() + filter.size());
  for (const auto& q : must) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(index));
    for (const auto& d : docs) {
      ++required[d.doc];
      must_score[d.doc] += d.score;
    }
  }
  for (const auto& q : filter) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(index));
    for (const auto& d : docs) ++required[d.doc];
  }
  for (const auto& q : should) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(index));
    for (const auto& d : docs) {
      ++should_hits[d.doc];
      should_score[d.doc] += d.score;
    }
  }
  for (const auto& q : must_not) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(index));
    for (const auto& d : docs) excluded[d.doc] = true;
  }
  // With no must/filter clause, at least one should clause must match.
  uint32_t min_should = minimum_should_match
                            ? static_cast<uint32_t>(std::max(0, *minimum_should_match))
                            : (required_count == 0 && !should.empty() ? 1 : 0);
  DocList out;
  for (index::DocNo doc = 0; doc < n; ++doc) {
    if (!index.live(doc) || excluded[doc] || required[doc] != required_count ||
        should_hits[doc] < min_should) {
      continue;
    }
    double score = static_cast<double>(static_cast<float>(must_score[doc])) +
                   static_cast<float>(should_score[doc]);
    out.push_back({doc, static_cast<float>(score) * boost});
  }
  return out;
}

util::Result<DocList> ConstantScoreQuery::Execute(const Index& index) const {
  SLUICE_ASSIGN_OR_RETURN(DocList docs, filter_->Execute(index));
  for (auto& d : docs) d.score = boost_;
  return docs;
}

util::Result<DocList> KnnQuery::Execute(const Index& index) const {
  const index::FieldMapping* mapping = index.mapping().Find(field);
  if (mapping == nullptr || mapping->type != FieldType::kKnnVector) {
    return ShardError(index, "Field '" + field + "' is not knn_vector type.");
  }
  const vector::VectorIndex* graph = index.vectors(field);
  if (graph == nullptr) return ShardError(index, "Field '" + field + "' is not built for ANN search.");
  const vector::KnnMethod& method = graph->method();
  if (static_cast<int>(vector.size()) != method.dimension) {
    return ShardError(index, "Query vector has invalid dimension: " +
                                 std::to_string(vector.size()) +
                                 ". Dimension should be: " + std::to_string(method.dimension));
  }
  const bool ip = method.space == vector::SpaceType::kInnerProduct;
  const std::string space(vector::SpaceTypeName(method.space));
  if (max_distance && *max_distance < 0 && !ip) {
    return ShardError(index, "[knn] requires distance to be non-negative for space type: " + space);
  }
  if (min_score && *min_score > 1 && !ip) {
    return ShardError(index, "[knn] requires score to be in the range [0, 1] for space type: " +
                                 space);
  }
  if (method.space == vector::SpaceType::kCosineSimil &&
      std::all_of(vector.begin(), vector.end(), [](float x) { return x == 0.0f; })) {
    return ShardError(index, "zero vector is not supported when space type is [cosinesimil]");
  }
  vector::SearchParams params;
  if (ef_search) params.ef_search = *ef_search;
  params.max_distance = max_distance;
  params.min_score = min_score;
  std::vector<uint64_t> allowed;
  if (filter) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, filter->Execute(index));
    allowed.reserve(docs.size());
    for (const auto& d : docs) allowed.push_back(d.doc);
    if (allowed.empty()) return DocList();
    params.allowed_labels = std::span<const uint64_t>(allowed);
  }
  // Radial search returns everything within the threshold, up to the result window.
  size_t limit = k ? static_cast<size_t>(*k) : static_cast<size_t>(index.settings().max_result_window());
  auto neighbors = graph->Search(vector, limit, params);
  if (!neighbors.ok()) return ShardError(index, neighbors.status().reason());
  DocList out;
  out.reserve(neighbors->size());
  for (const auto& nb : *neighbors) {
    auto doc = static_cast<index::DocNo>(nb.label);
    // A document deleted a moment ago may still be in the graph.
    if (doc < index.max_doc() && index.live(doc)) out.push_back({doc, nb.score * boost});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.doc < b.doc; });
  return out;
}

}  // namespace sluice::search
