// ExecuteSearch: a parsed SearchRequest run over its target indices —
// collection per index, hybrid combination, ranking (relevance or field
// sort, search_after), collapse, paging, aggregations and hit rendering
// inputs. The request's parsing is in search_request.cc.
#include <rapidjson/document.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "json/json_writer.h"
#include "search/aggregations/aggregation_set.h"
#include "search/suggest.h"
#include "search/explain.h"
#include "search/highlight.h"
#include "search/hybrid_query.h"
#include "search/named_query.h"
#include "search/queries.h"
#include "search/search_context_store.h"
#include "search/search_errors.h"
#include "search/search_request.h"

namespace sluice::search {

using util::Status;

namespace {

struct Candidate {
  size_t index_pos;
  ScoredDoc doc;
  std::vector<SortKey> keys;  // when sorted by field
};

// The query's matches above min_score (what aggregations see) and, after the
// post_filter, the hits.
struct Collected {
  DocList matches;
  std::optional<DocList> filtered;  // after a post_filter; otherwise the hits are the matches
  const DocList& hits() const { return filtered ? *filtered : matches; }
  // hybrid: every document a sub-query matched (the total and what aggregations see),
  // while the hits are the combined top documents.
  std::optional<uint64_t> total;
  std::optional<DocList> agg_matches;
};

util::Result<Collected> Collect(const SearchRequest& request, const index::Index& index) {
  Collected out;
  SLUICE_ASSIGN_OR_RETURN(out.matches, request.query->Execute(index));
  if (auto f = request.alias_filters.find(index.name()); f != request.alias_filters.end()) {
    SLUICE_ASSIGN_OR_RETURN(DocList allowed, f->second->Execute(index));
    DocList kept;
    std::set_intersection(out.matches.begin(), out.matches.end(), allowed.begin(), allowed.end(),
                          std::back_inserter(kept),
                          [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
    out.matches = std::move(kept);
  }
  if (request.min_score) {
    std::erase_if(out.matches, [&](const ScoredDoc& d) { return d.score < *request.min_score; });
  }
  if (!request.post_filter) return out;
  SLUICE_ASSIGN_OR_RETURN(DocList allowed, request.post_filter->Execute(index));
  out.filtered.emplace();
  std::set_intersection(out.matches.begin(), out.matches.end(), allowed.begin(), allowed.end(),
                        std::back_inserter(*out.filtered),
                        [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
  return out;
}

// A hybrid query needs its pipeline's normalization; it runs over all indices at once.
util::Result<std::vector<Collected>> CollectAll(
    const SearchRequest& request, const std::vector<std::shared_ptr<index::Index>>& indices) {
  std::vector<Collected> out;
  const auto* hybrid = dynamic_cast<const HybridQuery*>(request.query.get());
  if (hybrid == nullptr) {
    for (const auto& index : indices) {
      SLUICE_ASSIGN_OR_RETURN(Collected found, Collect(request, *index));
      out.push_back(std::move(found));
    }
    return out;
  }
  if (!request.pipeline || !request.pipeline->hybrid) {
    return util::InvalidArgument(
        "a [hybrid] query needs a search pipeline with a [normalization-processor] or "
        "[score-ranker-processor]: pass ?search_pipeline=<id> or set "
        "[index.search.default_pipeline]");
  }
  std::vector<const index::Index*> raw;
  for (const auto& index : indices) raw.push_back(index.get());
  SLUICE_ASSIGN_OR_RETURN(
      auto parts, CollectHybrid(*hybrid, *request.pipeline->hybrid, request.post_filter.get(),
                                request.from, request.size, raw));
  for (auto& part : parts) {
    Collected c;
    c.total = part.matches.size();
    c.matches = std::move(part.hits);
    c.agg_matches = std::move(part.matches);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

namespace {

// The best candidate (the first, `ranked` being in order) of each value of
// the collapse field, at most `keep` of them; documents without a value are
// one group. Errors as OpenSearch's CollapseBuilder raises them.
util::Result<std::vector<Candidate>> CollapseGroups(
    std::vector<Candidate> ranked, const std::string& field,
    const std::vector<std::shared_ptr<index::Index>>& indices, size_t keep) {
  std::vector<std::optional<uint32_t>> field_ids;
  for (const auto& index : indices) {
    const index::FieldMapping* f = index->mapping().Find(field);
    if (f == nullptr) {
      return QueryShardError(*index, "no mapping found for `" + field + "` in order to collapse on");
    }
    const bool usable = f->type == index::FieldType::kKeyword || index::IsNumeric(f->type);
    if (!usable) {
      return ShardIllegalArgument(*index, "unknown type for collapse field `" + field +
                                              "`, only keywords and numbers are accepted");
    }
    field_ids.push_back(index->FieldId(field));
  }
  std::set<std::pair<bool, std::string>> seen;  // (missing, value)
  std::vector<Candidate> out;
  for (auto& c : ranked) {
    if (out.size() >= keep) break;
    const index::Index& index = *indices[c.index_pos];
    std::optional<std::string> value;
    if (field_ids[c.index_pos]) {
      for (const auto& v : index.values(c.doc.doc)) {
        if (v.field != *field_ids[c.index_pos]) continue;
        if (value) {
          return ShardIllegalArgument(index, "failed to collapse " + index.id(c.doc.doc) +
                                                 ", the collapse field `" + field +
                                                 "` must be single valued");
        }
        if (v.kind == index::IndexedValue::Kind::kString) {
          value = v.text;
        } else {
          char buf[32];
          std::snprintf(buf, sizeof(buf), "%.17g", v.number);
          value = buf;
        }
      }
    }
    if (seen.insert({!value.has_value(), value.value_or("")}).second) out.push_back(std::move(c));
  }
  return out;
}

// Visits the first `keep` hits in order, under the indices' read locks; fills
// the response's totals, max_score and aggregations. With snapshots, also
// takes a store snapshot of each index while its lock is held.
using HitVisitor = std::function<Status(const Candidate&, const index::Index&, bool scores_shown,
                                        std::optional<std::string> sort)>;

Status Rank(const SearchRequest& request, const std::vector<std::shared_ptr<index::Index>>& indices,
            size_t keep, SearchResponse& response, const HitVisitor& visit,
            std::vector<std::shared_ptr<const storage::Snapshot>>* snapshots) {
  std::vector<Candidate> all;
  std::vector<SortSpec::Bound> bounds;
  std::vector<AggregationInput> agg_inputs;
  const bool by_field = !request.sort.empty();
  // Each index is read under its own lock; hits are visited before it is released.
  std::vector<std::unique_ptr<index::Index::ReadGuard>> guards;
  for (const auto& index : indices) {
    guards.push_back(std::make_unique<index::Index::ReadGuard>(*index));
    if (snapshots != nullptr) snapshots->push_back(index->StoreSnapshot());
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<Collected> collected, CollectAll(request, indices));
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const index::Index& index = *indices[pos];
    Collected& found = collected[pos];
    if (request.terminate_after) {
      // Documents are collected in doc order; the shard stops after N of them.
      auto limit = static_cast<size_t>(*request.terminate_after);
      bool early = found.matches.size() > limit;
      if (early) found.matches.resize(limit);
      if (found.filtered && found.filtered->size() > limit) found.filtered->resize(limit);
      response.terminated_early = response.terminated_early.value_or(false) || early;
    }
    std::optional<std::vector<SortKey>> after;
    if (by_field) {
      SLUICE_ASSIGN_OR_RETURN(auto bound, request.sort.Bind(index));
      bounds.push_back(std::move(bound));
      if (request.search_after) {
        SLUICE_ASSIGN_OR_RETURN(after, bounds.back().AfterKeys(*request.search_after));
      }
    }
    const DocList& hits = found.hits();
    response.total += found.total.value_or(hits.size());
    // With no page to fill (size 0) the hits are only counted.
    const DocList none;
    const DocList& ranked = keep > static_cast<size_t>(request.from) ? hits : none;
    for (const auto& d : ranked) {
      Candidate c{pos, d, {}};
      if (by_field) {
        c.keys = bounds.back().Keys(index, d.doc, d.score);
        if (after && bounds.back().Compare(c.keys, *after) <= 0) continue;
      }
      all.push_back(std::move(c));
    }
    if (request.aggs) {
      DocList& seen = found.agg_matches ? *found.agg_matches : found.matches;
      agg_inputs.push_back({&index, std::move(seen)});
    }
  }
  if (request.track_total_hits) {
    if (*request.track_total_hits == 0) {
      response.total_tracked = false;
    } else if (static_cast<int64_t>(response.total) > *request.track_total_hits) {
      response.total = static_cast<uint64_t>(*request.track_total_hits);
      response.total_is_lower_bound = true;
    }
  }
  auto tie = [](const Candidate& a, const Candidate& b) {
    if (a.index_pos != b.index_pos) return a.index_pos < b.index_pos;
    return a.doc.doc < b.doc.doc;
  };
  auto by_score = [&](const Candidate& a, const Candidate& b) {
    if (a.doc.score != b.doc.score) return a.doc.score > b.doc.score;
    return tie(a, b);
  };
  auto by_keys = [&](const Candidate& a, const Candidate& b) {
    int c = bounds[0].Compare(a.keys, b.keys);
    if (c != 0) return c < 0;
    return tie(a, b);
  };
  size_t end = std::min(all.size(), keep);
  if (request.collapse_field) {
    if (by_field) {
      std::sort(all.begin(), all.end(), by_keys);
    } else {
      std::sort(all.begin(), all.end(), by_score);
    }
    SLUICE_ASSIGN_OR_RETURN(all, CollapseGroups(std::move(all), *request.collapse_field, indices,
                                                keep));
    end = all.size();
  } else if (by_field) {
    std::partial_sort(all.begin(), all.begin() + end, all.end(), by_keys);
  } else {
    std::partial_sort(all.begin(), all.begin() + end, all.end(), by_score);
  }
  // Scores are reported when they order the hits or track_scores asks.
  const bool scores_shown = !by_field || request.track_scores || request.sort.uses_score();
  const bool max_shown = !by_field || request.track_scores || request.sort.leads_with_score_desc();
  if (!all.empty() && max_shown && request.size > 0) {
    response.max_score = std::max_element(all.begin(), all.end(), [](auto& a, auto& b) {
                           return a.doc.score < b.doc.score;
                         })->doc.score;
  }
  for (size_t i = static_cast<size_t>(request.from); i < end; ++i) {
    std::optional<std::string> sort;
    if (by_field) {
      json::JsonWriter w;
      bounds[all[i].index_pos].Render(all[i].keys, w);
      sort = w.Take();
    }
    SLUICE_RETURN_IF_ERROR(
        visit(all[i], *indices[all[i].index_pos], scores_shown, std::move(sort)));
  }
  if (request.aggs) {
    SLUICE_ASSIGN_OR_RETURN(response.aggregations, request.aggs->Run(std::move(agg_inputs), request.typed_keys));
  }
  if (request.suggest) {
    SLUICE_ASSIGN_OR_RETURN(response.suggest, RunSuggest(*request.suggest, indices, request.source,
                                                         request.typed_keys));
  }
  return Status::Ok();
}

}  // namespace

util::Result<SearchResponse> ExecuteSearch(
    const SearchRequest& request, const std::vector<std::shared_ptr<index::Index>>& indices) {
  const int64_t window = indices.empty() ? 10000 : indices[0]->settings().max_result_window();
  if (request.from + request.size > window) {
    Status inner = util::InvalidArgument(
        "Result window is too large, from + size must be less than or equal to: [" +
        std::to_string(window) + "] but was [" + std::to_string(request.from + request.size) +
        "]. See the scroll api for a more efficient way to request large data sets. This limit "
        "can be set by changing the [index.max_result_window] index level setting.");
    return Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                  "all shards failed")
        .WithMetadata("phase", "query")
        .WithMetadata("grouped", "true")
        .WithCause(std::move(inner));
  }
  if (request.search_after && request.from > 0) {
    return util::InvalidArgument("`from` parameter must be set to 0 when `search_after` is used.");
  }
  SearchResponse response;
  std::map<const index::Index*, HighlightTerms> highlight_terms;  // per index, on first use
  const std::vector<const NamedQuery*> named = NamedQueries(*request.query);
  std::map<std::pair<const index::Index*, size_t>, DocList> named_docs;  // on first use
  const bool needs_source =
      (request.source.fetch && !request.stored_fields_none) || request.highlight != nullptr;
  auto load = [&](const Candidate& c, const index::Index& index, bool scores_shown,
                  std::optional<std::string> sort) -> Status {
    SearchHit hit;
    hit.index = index.name();
    hit.id = index.id(c.doc.doc);
    hit.score = c.doc.score;
    hit.has_score = scores_shown;
    hit.sort = std::move(sort);
    if (!request.hit_fields.empty()) {
      SLUICE_ASSIGN_OR_RETURN(hit.fields, HitFieldsJson(index, c.doc.doc, request.hit_fields));
    }
    // Without _source or highlights the hit needs nothing from the store.
    std::optional<index::StoredDocument> stored;
    if (needs_source) {
      SLUICE_ASSIGN_OR_RETURN(stored, index.Load(c.doc.doc));
    } else {
      stored = index.LoadMeta(c.doc.doc);
    }
    if (!stored) return Status::Ok();  // deleted since the query ran
    hit.version = stored->version;
    hit.seq_no = stored->seq_no;
    if (request.source.fetch && !request.stored_fields_none) {
      hit.source = request.source.Apply(stored->source);
    }
    if (!named.empty()) {
      json::JsonWriter w;
      bool any = false;
      for (size_t i = 0; i < named.size(); ++i) {
        auto [it, fresh] = named_docs.try_emplace({&index, i});
        if (fresh) {
          SLUICE_ASSIGN_OR_RETURN(it->second, named[i]->Execute(index));
        }
        auto d = std::lower_bound(it->second.begin(), it->second.end(), c.doc.doc,
                                  [](const ScoredDoc& s, index::DocNo n) { return s.doc < n; });
        if (d == it->second.end() || d->doc != c.doc.doc) continue;
        if (!any) request.include_named_queries_score ? w.StartObject() : w.StartArray();
        any = true;
        if (request.include_named_queries_score) {
          w.Key(named[i]->name()).Float(d->score);
        } else {
          w.String(named[i]->name());
        }
      }
      if (any) {
        request.include_named_queries_score ? w.EndObject() : w.EndArray();
        hit.matched_queries = w.Take();
      }
    }
    if (request.explain) {
      SLUICE_ASSIGN_OR_RETURN(auto e, ExplainDoc(*request.query, index, c.doc.doc));
      if (e) {
        e->value = c.doc.score;  // the root is the hit's score, as Lucene sums it
        json::JsonWriter w;
        WriteExplanation(*e, w);
        hit.explanation = w.Take();
      }
    }
    if (request.highlight) {
      auto [it, fresh] = highlight_terms.try_emplace(&index);
      if (fresh) request.query->CollectHighlightTerms(index, it->second);
      SLUICE_ASSIGN_OR_RETURN(hit.highlight,
                              HighlightJson(index, hit.id, stored->source, *request.highlight, it->second));
    }
    response.hits.push_back(std::move(hit));
    return Status::Ok();
  };
  SLUICE_RETURN_IF_ERROR(Rank(request, indices, static_cast<size_t>(request.from + request.size),
                              response, load, nullptr));
  return response;
}

util::Result<RankedSearch> RankAll(const SearchRequest& request,
                                   const std::vector<std::shared_ptr<index::Index>>& indices) {
  RankedSearch ranked;
  auto keep = [&](const Candidate& c, const index::Index& index, bool scores_shown,
                  std::optional<std::string> sort) -> Status {
    ranked.scores_shown = scores_shown;
    ranked.hits.push_back({c.index_pos, index.id(c.doc.doc), c.doc.score, std::move(sort)});
    return Status::Ok();
  };
  SLUICE_RETURN_IF_ERROR(Rank(request, indices, std::numeric_limits<size_t>::max(), ranked.head,
                              keep, &ranked.snapshots));
  return ranked;
}

util::Result<uint64_t> ExecuteCount(const SearchRequest& request,
                                    const std::vector<std::shared_ptr<index::Index>>& indices) {
  uint64_t count = 0;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    index::Index::ReadGuard guard(*indices[pos]);
    SLUICE_ASSIGN_OR_RETURN(Collected found, Collect(request, *indices[pos]));
    count += found.hits().size();
  }
  return count;
}

}  // namespace sluice::search
