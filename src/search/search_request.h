// SearchRequest: a parsed `_search` / `_count` body, and its execution over
// one or more indices.
//
// ParseSearchRequest validates the whole body first (unknown keys are a
// parsing_exception, as in OpenSearch). ExecuteSearch runs the query on each
// index under its read lock, merges hits by score (ties: index order, then
// doc number, i.e. insertion order), counts totals as track_total_hits says
// and loads the page's _source through the filter.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"
#include "search/hit_fields.h"
#include "search/query.h"
#include "search/search_pipeline.h"
#include "search/sort.h"
#include "search/source_filter.h"
#include "util/result.h"

namespace sluice::search {

class AggregationSet;  // search/aggregations/aggregation_set.h
struct HighlightSpec;  // search/highlight.h
struct SuggestSpec;    // search/suggest.h

struct SearchRequest {
  std::unique_ptr<Query> query;        // match_all when the body has none
  std::unique_ptr<Query> post_filter;  // applied after the query (knn post-filtering)
  int from = 0;
  int size = 10;
  SourceFilter source;
  // Count totals exactly up to this many hits; nullopt: always exact; 0: don't count.
  std::optional<int64_t> track_total_hits = 10000;
  bool version = false;
  bool seq_no_primary_term = false;
  std::optional<float> min_score;
  // Field sort; empty: by relevance (a lone `_score` desc is relevance too).
  SortSpec sort;
  std::optional<std::vector<SortParam>> search_after;
  bool track_scores = false;
  // "stats": the search stats groups this search counts in (GET /_stats?groups=).
  std::vector<std::string> stats_groups;
  // Collect at most this many documents per index (hits, totals and aggregations).
  std::optional<int64_t> terminate_after;
  HitFieldsSpec hit_fields;  // docvalue_fields and fields
  bool stored_fields_none = false;  // stored_fields: _none_ (no _id, no _source in hits)
  // Aggregations, parsed; null when the body has none.
  std::shared_ptr<const AggregationSet> aggs;
  bool typed_keys = false;  // ?typed_keys: aggregation names prefixed with their type
  // The search pipeline that applies (resolved by the caller from `search_pipeline`, the
  // index's default or the body's inline definition); null: none. A `hybrid` query needs one.
  std::shared_ptr<const SearchPipeline> pipeline;
  std::optional<std::string> pipeline_name;  // the body's "search_pipeline": "<id>"
  std::shared_ptr<const HighlightSpec> highlight;  // null when the body has none
  std::shared_ptr<const SuggestSpec> suggest;      // null when the body has none
  bool explain = false;                            // each hit's "_explanation"
  bool include_named_queries_score = false;  // matched_queries as {name: score}
  // "pit": {"id": ..., "keep_alive": ...}: search that point in time (the
  // caller resolves it to the PIT's frozen index views).
  struct PitRef {
    std::string id;
    std::optional<int64_t> keep_alive_ms;  // renews the PIT's keep-alive
  };
  std::optional<PitRef> pit;
  // "collapse": {"field": ...}: one hit per value of a keyword or numeric
  // field (the best of its group, in the request's order; documents without
  // a value form one group); hits show the value in "fields". The total
  // counts every match, as OpenSearch's.
  std::optional<std::string> collapse_field;

  // index name -> the filter of the aliases it was searched through (only the
  // documents it matches are seen: hits, totals, aggregations).
  std::map<std::string, std::shared_ptr<const Query>, std::less<>> alias_filters;
};

// body may be empty (match_all). For `_count`, only "query" is allowed.
util::Result<SearchRequest> ParseSearchRequest(std::string_view body, bool count_only = false);
// Parses `_source`-style values given as URL parameters ("false", "a,b.*").
SourceFilter ParseSourceParam(std::string_view value);

struct SearchHit {
  std::string index;
  std::string id;
  float score = 0;
  bool has_score = true;             // false: "_score": null (sorted by field)
  std::optional<std::string> sort;   // the hit's "sort" array as JSON, when sorted
  std::optional<std::string> fields;  // the hit's "fields" object as JSON
  std::optional<std::string> highlight;  // the hit's "highlight" object as JSON
  std::optional<std::string> explanation;  // the hit's "_explanation" as JSON
  std::optional<std::string> matched_queries;  // the hit's "matched_queries" as JSON
  int64_t version = 0;
  int64_t seq_no = 0;
  std::optional<std::string> source;  // filtered; nullopt when not fetched
};

struct SearchResponse {
  std::vector<SearchHit> hits;
  uint64_t total = 0;
  bool total_is_lower_bound = false;
  bool total_tracked = true;
  std::optional<float> max_score;
  std::optional<std::string> aggregations;  // the "aggregations" object as JSON
  std::optional<std::string> suggest;       // the "suggest" object as JSON
  std::optional<bool> terminated_early;     // set when the request had terminate_after
};

util::Result<SearchResponse> ExecuteSearch(const SearchRequest& request,
                                           const std::vector<std::shared_ptr<index::Index>>& indices);
// Every hit of the request in order, without loading documents, and a store
// snapshot of each index taken with the hits (scroll contexts page through
// them later with a consistent view). `head` has the totals, max_score and
// aggregations; from/size are not applied.
struct RankedHit {
  size_t index_pos;  // into the indices given
  std::string id;
  float score;
  std::optional<std::string> sort;
};
struct RankedSearch {
  SearchResponse head;
  std::vector<RankedHit> hits;
  bool scores_shown = true;
  std::vector<std::shared_ptr<const storage::Snapshot>> snapshots;  // one per index
};
util::Result<RankedSearch> RankAll(const SearchRequest& request,
                                   const std::vector<std::shared_ptr<index::Index>>& indices);

util::Result<uint64_t> ExecuteCount(const SearchRequest& request,
                                    const std::vector<std::shared_ptr<index::Index>>& indices);

}  // namespace sluice::search
