// Internal to search/aggregations: what the bucket aggregations share —
// collecting per-bucket document sets, a field's numbers per document, civil
// dates, writing a bucket's doc_count and
// sub-aggregations, numeric keys as OpenSearch renders them.
#pragma once

#include <functional>
#include <string>
#include <vector>

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


inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 <-> civil date (Howard Hinnant's algorithms).
inline int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = FloorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
inline void CivilFromDays(int64_t days, int64_t* y, int64_t* m, int64_t* d) {
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

// Numeric values of a field (dates as epoch millis) for each doc.
template <typename F>
util::Status ForEachNumber(const DocSet& docs, const std::string& field, bool* is_date, F&& f) {
  for (size_t s = 0; s < docs.size(); ++s) {
    const Segment& seg = docs[s];
    SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, field));
    if (ref.mapped && ref.is_string()) {
      return util::InvalidArgument("Field [" + field +
                                   "] of type [keyword] is not supported for "
                                   "aggregation [histogram]");
    }
    if (ref.type == index::FieldType::kDate && is_date != nullptr) *is_date = true;
    for (const ScoredDoc& d : seg.docs) {
      std::vector<double> values;
      ForEachValue(*seg.index, d.doc, ref,
                   [&](const index::Index::Value& v) { values.push_back(v.number); });
      f(s, d, values);
    }
  }
  return util::Status::Ok();
}

}  // namespace sluice::search

namespace sluice::search {
// range, date_range, histogram, date_histogram (histogram_aggs.cc); nullptr
// when type is none of them.
util::Result<std::unique_ptr<Aggregation>> ParseHistogramAggregation(const std::string& type,
                                                                     const rapidjson::Value& body);
// filter, filters, adjacency_matrix, missing, global (filter_aggs.cc).
util::Result<std::unique_ptr<Aggregation>> ParseFilterAggregation(const std::string& type,
                                                                  const rapidjson::Value& body);
// The bucket start of each value for a histogram (dates: date_histogram)
// with these parameters; composite's sources round with it.
util::Result<std::function<double(double)>> ParseHistogramRounding(const rapidjson::Value& body,
                                                                   bool dates);
// composite (composite_aggs.cc).
util::Result<std::unique_ptr<Aggregation>> ParseCompositeAggregation(const std::string& type,
                                                                     const rapidjson::Value& body);
// multi_terms (multi_terms_aggs.cc).
util::Result<std::unique_ptr<Aggregation>> ParseMultiTermsAggregation(const std::string& type,
                                                                      const rapidjson::Value& body);
// significant_terms, significant_text (significant_aggs.cc).
util::Result<std::unique_ptr<Aggregation>> ParseSignificantAggregation(
    const std::string& type, const rapidjson::Value& body);
// auto_date_histogram, variable_width_histogram (adaptive_histogram_aggs.cc).
util::Result<std::unique_ptr<Aggregation>> ParseAdaptiveHistogramAggregation(
    const std::string& type, const rapidjson::Value& body);
}  // namespace sluice::search
