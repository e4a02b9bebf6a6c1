// Internal to search/aggregations: OpenSearch's buckets_path over the
// aggregation output DOM — `a>b>metric`, `metric.value`, `stats.avg`,
// `pct[99.0]`, `_count`, `_key`, `multi_bucket._bucket_count` — and the gap
// policies that say what an empty bucket's value is.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/aggregations/agg_internal.h"
#include "util/result.h"

namespace sluice::search {

using JsonAlloc = rapidjson::Document::AllocatorType;

enum class GapPolicy { kSkip, kInsertZeros, kKeepValues };
util::Result<GapPolicy> ParseGapPolicy(const rapidjson::Value& v);

// The path as OpenSearch's property list: name, key, name, ... ("a>b.avg" is
// a, b, avg).
util::Result<std::vector<std::string>> ParseBucketsPath(const std::string& path);

const Aggregation* FindSub(const std::vector<std::unique_ptr<Aggregation>>& subs,
                           const std::string& name);
// True when out is a multi-bucket aggregation's output.
bool IsBucketsAgg(const rapidjson::Value& out);
std::vector<const rapidjson::Value*> BucketsOf(const rapidjson::Value& out);

// BucketHelpers.resolveBucketValue: the bucket's value at path (subs are the
// aggregations inside the bucket), NaN for a gap the policy skips; nullopt
// when the path names nothing in this bucket. Non-numeric targets are
// OpenSearch's "buckets_path must reference either a number value or a single
// value numeric metric aggregation" errors.
util::Result<std::optional<double>> ResolveBucketValue(
    const std::vector<std::unique_ptr<Aggregation>>& subs, const rapidjson::Value& bucket,
    const std::vector<std::string>& path, GapPolicy gap, const std::string& container);

// bucket.getKeyAsString(): key_as_string, or the key as Java prints it.
std::string KeyAsString(const rapidjson::Value& bucket);

// A number, or null when not finite (as OpenSearch renders NaN/Infinity).
rapidjson::Value NumberValue(double v);
// {"value": v}, InternalSimpleValue's shape.
rapidjson::Value SimpleValue(double v, JsonAlloc& alloc);

}  // namespace sluice::search
