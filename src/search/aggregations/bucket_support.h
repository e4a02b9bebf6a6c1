// Internal to search/aggregations: what the bucket aggregations share —
// collecting per-bucket document sets, writing a bucket's doc_count and
// sub-aggregations, numeric keys as OpenSearch renders them.
#pragma once

#include <string>

#include "json/json_writer.h"
#include "search/aggregations/agg_internal.h"

namespace sluice::search {

// Builds per-bucket DocSets with the same segments as the input.
class BucketDocs {
 public:
  BucketDocs(const DocSet& input, size_t buckets) : sets_(buckets) {
    for (auto& set : sets_) {
      for (const Segment& seg : input) set.push_back({seg.index, {}});
    }
  }
  void Add(size_t bucket, size_t segment, const ScoredDoc& doc) {
    sets_[bucket][segment].docs.push_back(doc);
  }
  const DocSet& operator[](size_t bucket) const { return sets_[bucket]; }
  size_t size() const { return sets_.size(); }

 private:
  std::vector<DocSet> sets_;
};

inline uint64_t CountDocs(const DocSet& docs) {
  uint64_t n = 0;
  for (const Segment& s : docs) n += s.docs.size();
  return n;
}

// "doc_count" and the sub-aggregations (inside an open bucket object).
inline util::Status WriteBucketContents(const Aggregation& agg, const DocSet& docs,
                                        uint64_t doc_count, json::JsonWriter& w) {
  w.Key("doc_count").Uint(doc_count);
  return WriteSubs(agg, docs, w);
}

// An aggregation with a single bucket (filter, missing, global): its order
// value is the doc count, or a sub-aggregation's value.
class SingleBucketAggregation : public Aggregation {
 public:
  util::Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    SLUICE_ASSIGN_OR_RETURN(DocSet bucket, Select(docs));
    w.StartObject();
    SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, bucket, CountDocs(bucket), w));
    w.EndObject();
    return util::Status::Ok();
  }
  util::Result<double> OrderValue(const DocSet& docs, std::string_view key) const override {
    SLUICE_ASSIGN_OR_RETURN(DocSet bucket, Select(docs));
    if (key.empty() || key == "_count" || key == "doc_count") {
      return static_cast<double>(CountDocs(bucket));
    }
    return SubOrderValue(*this, bucket, key);
  }
  virtual util::Result<DocSet> Select(const DocSet& docs) const = 0;
};

}  // namespace sluice::search

namespace sluice::search {
// range, date_range, histogram, date_histogram (histogram_aggs.cc); nullptr
// when type is none of them.
util::Result<std::unique_ptr<Aggregation>> ParseHistogramAggregation(const std::string& type,
                                                                     const rapidjson::Value& body);
}  // namespace sluice::search
