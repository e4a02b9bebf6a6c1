// Internal to search/aggregations: pipeline aggregations, which compute from
// the output of other aggregations instead of from documents.
//
// They run after the document aggregations, on the response tree as a
// RapidJSON DOM (the shape OpenSearch reduces its InternalAggregations in):
// a sibling pipeline (max_bucket, min_bucket, avg_bucket, sum_bucket,
// stats_bucket) adds a value next to the aggregations of its level, computed
// over the buckets its buckets_path names; a parent pipeline (derivative,
// cumulative_sum, moving_fn, bucket_sort) rewrites the buckets of the
// histogram (or, for bucket_sort, any multi-bucket aggregation) it is
// declared in. buckets_path is OpenSearch's AggregationPath: `a>b>metric`,
// `metric.value`, `stats.avg`, `pct[99.0]`, `_count`, `_key`.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "search/aggregations/agg_internal.h"
#include "search/aggregations/buckets_path.h"
#include "util/result.h"

namespace sluice::search {

class PipelineAggregation {
 public:
  virtual ~PipelineAggregation() = default;
  // Parent pipelines rewrite the enclosing aggregation's buckets; siblings add
  // one value per level.
  virtual bool parent() const = 0;
  // Sibling: the output object computed from `level` (an object holding the
  // outputs of `subs`, plus doc_count/key when it is a bucket).
  virtual util::Result<rapidjson::Value> Sibling(const std::vector<std::unique_ptr<Aggregation>>& subs,
                                                 const rapidjson::Value& level,
                                                 JsonAlloc& alloc) const;
  // Parent: `out` is the enclosing aggregation's output, `buckets` its buckets
  // in order (pointers into out).
  virtual util::Status Parent(const Aggregation& enclosing, rapidjson::Value& out,
                              std::vector<rapidjson::Value*>& buckets, JsonAlloc& alloc) const;

  std::string name;
  std::string typed_name;       // the typed_keys prefix
  std::string meta;             // raw JSON of "meta", empty when absent
  std::vector<std::string> buckets_paths;  // for ordering pipelines that read each other
};

// True when type names a pipeline aggregation (supported or not).
bool IsPipelineType(const std::string& type);
// Parses a pipeline aggregation named name; parent_type is the type of the
// aggregation it is declared in ("" at the top level).
util::Result<std::unique_ptr<PipelineAggregation>> ParsePipelineAggregation(
    const std::string& type, const std::string& name, const rapidjson::Value& body,
    const std::string& parent_type);

// Runs the pipelines of `aggs`/`pipelines` (one level of the tree) over
// `level`, recursing into every bucket first.
util::Status ApplyPipelines(const std::vector<std::unique_ptr<Aggregation>>& aggs,
                            const std::vector<std::unique_ptr<PipelineAggregation>>& pipelines,
                            rapidjson::Value& level, JsonAlloc& alloc);

}  // namespace sluice::search
