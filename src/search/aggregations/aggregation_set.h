// AggregationSet: the parsed `aggs` of a search request, computed over the
// query's matches from the in-memory doc values (no _source is read, except
// by top_hits for its hits and significant_text for the text it analyzes).
//
// Pipeline aggregations (pipeline_aggs.h) then compute from those outputs.
//
// Bucket aggregations (terms, rare_terms, multi_terms, composite, significant_terms,
// significant_text, range, date_range, histogram, date_histogram,
// auto_date_histogram, variable_width_histogram, filter, filters,
// adjacency_matrix, missing, global) split the documents and run their
// sub-aggregations on each bucket; metric aggregations (min, max, sum, avg,
// value_count, stats, extended_stats, weighted_avg, cardinality, percentiles,
// percentile_ranks, median_absolute_deviation, top_hits) reduce them to
// values. Response shapes are OpenSearch's (InternalTerms,
// InternalHistogram, ...) for one shard.
//
// Parse errors are parsing_exception / illegal_argument_exception; errors that
// depend on the mapping (a text field) come from Run, wrapped as a shard
// failure. Immutable after parsing; Run is thread-safe and must be called with
// each input index's ReadGuard held.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "index/index.h"
#include "search/query.h"
#include "util/result.h"

namespace sluice::search {

struct AggregationInput {
  const index::Index* index;
  DocList docs;  // the query's matches in this index, by doc
};

class Aggregation;
class PipelineAggregation;
struct AggregationList;

class AggregationSet {
 public:
  explicit AggregationSet(AggregationList aggs);
  ~AggregationSet();
  // The "aggregations" object of the response, as JSON; typed_keys prefixes
  // each name with its type ("sterms#name"), as ?typed_keys does.
  util::Result<std::string> Run(std::vector<AggregationInput> inputs, bool typed_keys = false) const;

 private:
  std::vector<std::unique_ptr<Aggregation>> aggs_;
  std::vector<std::unique_ptr<PipelineAggregation>> pipelines_;
  bool needs_tree_ = false;  // pipelines or meta: the output goes through a DOM
};

// Parses the value of "aggs"/"aggregations". Internal to search/ (RapidJSON).
util::Result<std::shared_ptr<const AggregationSet>> ParseAggregations(const rapidjson::Value& v);

}  // namespace sluice::search
