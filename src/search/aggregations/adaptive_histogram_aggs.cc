// Histograms that choose their own buckets: auto_date_histogram and
// variable_width_histogram.
#include <algorithm>
#include <cmath>
#include <map>

#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

// One rung of auto_date_histogram's ladder (AutoDateHistogramAggregationBuilder
// .buildRoundings): a calendar unit, its rough length and the multiples of it
// that buckets may span.
struct Rounding {
  const char* unit;  // the suffix of "interval": s, m, h, d, M, y
  int64_t millis;    // fixed length; 0 for months and years (calendar)
  int64_t rough_millis;
  std::vector<int> inner;
};

const std::vector<Rounding>& Ladder() {
  static const std::vector<Rounding> kLadder = {
      {"s", 1000, 1000, {1, 5, 10, 30}},
      {"m", 60000, 60000, {1, 5, 10, 30}},
      {"h", 3600000, 3600000, {1, 3, 12}},
      {"d", 86400000, 86400000, {1, 7}},
      {"M", 0, 30LL * 86400000, {1, 3}},
      {"y", 0, 365LL * 86400000, {1, 5, 10, 20, 50, 100}}};
  return kLadder;
}

// The start of the unit containing t (UTC plus tz minutes).
int64_t RoundDown(const Rounding& r, int64_t t, int tz_minutes) {
  int64_t tz = static_cast<int64_t>(tz_minutes) * 60000;
  int64_t local = t + tz;
  if (r.millis != 0) return FloorDiv(local, r.millis) * r.millis - tz;
  int64_t y, m, d;
  CivilFromDays(FloorDiv(local, 86400000), &y, &m, &d);
  if (r.unit[0] == 'y') m = 1;
  return DaysFromCivil(y, m, 1) * 86400000 - tz;
}

int64_t NextUnit(const Rounding& r, int64_t key, int tz_minutes) {
  if (r.millis != 0) return key + r.millis;
  int64_t tz = static_cast<int64_t>(tz_minutes) * 60000;
  int64_t y, m, d;
  CivilFromDays(FloorDiv(key + tz, 86400000), &y, &m, &d);
  if (r.unit[0] == 'y') {
    ++y;
  } else if (++m > 12) {
    m = 1;
    ++y;
  }
  return DaysFromCivil(y, m, 1) * 86400000 - tz;
}

// Picks the finest rung whose unit buckets from the first to the last value
// fit `target` buckets of its largest multiple, then the smallest multiple
// that fits; buckets are runs of that many units from the first one, empty
// ones included (InternalAutoDateHistogram's reduce on one shard).
class AutoDateHistogramAggregation : public Aggregation {
 public:
  std::string field;
  int target = 10;
  size_t min_rung = 0;
  int tz_minutes = 0;

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    std::vector<std::pair<int64_t, std::pair<size_t, ScoredDoc>>> points;
    SLUICE_RETURN_IF_ERROR(ForEachNumber(
        docs, field, nullptr,
        [&](size_t s, const ScoredDoc& d, const std::vector<double>& values) {
          for (double v : values) points.push_back({static_cast<int64_t>(v), {s, d}});
        }));
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t rung = min_rung;
    std::vector<int64_t> units;  // unit bucket keys from the first value to the last
    const auto& ladder = Ladder();
    for (; !points.empty(); ++rung) {
      const Rounding& r = ladder[rung];
      int64_t first = RoundDown(r, points.front().first, tz_minutes);
      int64_t last = RoundDown(r, points.back().first, tz_minutes);
      const bool last_rung = rung + 1 == ladder.size();
      const int64_t limit = static_cast<int64_t>(target) * r.inner.back();
      units.clear();
      for (int64_t k = first; k <= last && static_cast<int64_t>(units.size()) <= limit;
           k = NextUnit(r, k, tz_minutes)) {
        units.push_back(k);
      }
      bool too_long = points.back().first - points.front().first > limit * r.rough_millis;
      if (last_rung || (static_cast<int64_t>(units.size()) <= limit && !too_long)) break;
    }
    int inner = 1;
    if (!points.empty()) {
      for (int m : ladder[rung].inner) {
        inner = m;
        if ((units.size() + m - 1) / m <= static_cast<size_t>(target)) break;
      }
    }
    // Bucket b holds units [b * inner, (b + 1) * inner).
    size_t nbuckets = (units.size() + inner - 1) / inner;
    BucketDocs buckets(docs, nbuckets);
    std::vector<uint64_t> counts(nbuckets, 0);
    std::vector<std::vector<bool>> seen(nbuckets);
    size_t u = 0;
    for (const auto& [t, where] : points) {
      int64_t key = RoundDown(ladder[rung], t, tz_minutes);
      while (u + 1 < units.size() && units[u + 1] <= key) ++u;
      size_t b = u / inner;
      ++counts[b];
      if (!subs.empty()) buckets.Add(b, where.first, where.second);
    }
    w.StartObject().Key("buckets").StartArray();
    for (size_t b = 0; b < nbuckets; ++b) {
      int64_t key = units[b * inner];
      w.StartObject().Key("key_as_string").String(FormatDate(key, tz_minutes));
      w.Key("key").Int(key);
      DocSet set = buckets[b];
      for (Segment& seg : set) {
        std::sort(seg.docs.begin(), seg.docs.end(),
                  [](const ScoredDoc& x, const ScoredDoc& y) { return x.doc < y.doc; });
        seg.docs.erase(std::unique(seg.docs.begin(), seg.docs.end(),
                                   [](const ScoredDoc& x, const ScoredDoc& y) {
                                     return x.doc == y.doc;
                                   }),
                       seg.docs.end());
      }
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, counts[b], w));
      w.EndObject();
    }
    w.EndArray();
    w.Key("interval").String(std::to_string(inner) + ladder[rung].unit);
    w.EndObject();
    return Status::Ok();
  }
};

util::Result<std::unique_ptr<Aggregation>> ParseAutoDateHistogram(const rapidjson::Value& body) {
  auto agg = std::make_unique<AutoDateHistogramAggregation>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "buckets") {
      if (!v.IsInt() || v.GetInt() <= 0) {
        return util::InvalidArgument("[buckets] must be greater than 0 in [auto_date_histogram]");
      }
      agg->target = v.GetInt();
    } else if (key == "minimum_interval" && v.IsString()) {
      static const std::map<std::string, size_t> kRungs = {
          {"second", 0}, {"minute", 1}, {"hour", 2}, {"day", 3}, {"month", 4}, {"year", 5}};
      auto r = kRungs.find(v.GetString());
      if (r == kRungs.end()) {
        return util::InvalidArgument(
            "minimum_interval must be one of [second, minute, hour, day, month, year]");
      }
      agg->min_rung = r->second;
    } else if (key == "time_zone" && v.IsString()) {
      auto tz = ParseTimeZone(v.GetString());
      if (!tz) {
        return util::InvalidArgument("time_zone [" + std::string(v.GetString()) +
                                     "] is not supported by sluice (UTC offsets only)");
      }
      agg->tz_minutes = *tz;
    } else if (key == "format") {
      if (!v.IsString() || std::string(v.GetString()) != "strict_date_optional_time") {
        return util::InvalidArgument("[auto_date_histogram] [format] is not supported by sluice");
      }
    } else {
      return ParsingError("[auto_date_histogram] unknown field [" + key + "]");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument("Required one of fields [field, script], but none were specified. ");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

// variable_width_histogram: the field's distinct values as buckets, merged
// pairwise (the two adjacent buckets whose centroids are closest) until
// `buckets` remain; each reports its centroid (the mean), min and max.
// OpenSearch first clusters each shard's values into shard_size buckets; on
// one shard with no more distinct values than shard_size (50 per bucket by
// default) that step keeps every value, and so does sluice at any size.
class VariableWidthHistogramAggregation : public Aggregation {
 public:
  std::string field;
  size_t target = 10;

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    struct Cluster {
      double sum = 0, min = 0, max = 0;
      uint64_t count = 0;
      std::vector<std::pair<size_t, ScoredDoc>> docs;
      double centroid() const { return sum / static_cast<double>(count); }
    };
    std::map<double, Cluster> by_value;
    SLUICE_RETURN_IF_ERROR(ForEachNumber(
        docs, field, nullptr,
        [&](size_t s, const ScoredDoc& d, const std::vector<double>& values) {
          for (double v : values) {
            Cluster& c = by_value[v];
            c.sum += v;
            c.min = c.max = v;
            ++c.count;
            if (!subs.empty()) c.docs.push_back({s, d});
          }
        }));
    std::vector<Cluster> clusters;
    for (auto& [v, c] : by_value) clusters.push_back(std::move(c));
    while (clusters.size() > target && clusters.size() > 1) {
      size_t best = 0;
      for (size_t i = 1; i + 1 < clusters.size(); ++i) {
        if (clusters[i + 1].centroid() - clusters[i].centroid() <
            clusters[best + 1].centroid() - clusters[best].centroid()) {
          best = i;
        }
      }
      Cluster& a = clusters[best];
      Cluster& b = clusters[best + 1];
      a.sum += b.sum;
      a.count += b.count;
      a.max = b.max;
      a.docs.insert(a.docs.end(), b.docs.begin(), b.docs.end());
      clusters.erase(clusters.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    BucketDocs buckets(docs, clusters.size());
    w.StartObject().Key("buckets").StartArray();
    for (size_t i = 0; i < clusters.size(); ++i) {
      const Cluster& c = clusters[i];
      for (const auto& [s, d] : c.docs) buckets.Add(i, s, d);
      DocSet set = buckets[i];
      for (Segment& seg : set) {
        std::sort(seg.docs.begin(), seg.docs.end(),
                  [](const ScoredDoc& x, const ScoredDoc& y) { return x.doc < y.doc; });
        seg.docs.erase(std::unique(seg.docs.begin(), seg.docs.end(),
                                   [](const ScoredDoc& x, const ScoredDoc& y) {
                                     return x.doc == y.doc;
                                   }),
                       seg.docs.end());
      }
      w.StartObject().Key("min").Double(c.min).Key("key").Double(c.centroid());
      w.Key("max").Double(c.max);
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, c.count, w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }
};

util::Result<std::unique_ptr<Aggregation>> ParseVariableWidthHistogram(
    const rapidjson::Value& body) {
  auto agg = std::make_unique<VariableWidthHistogramAggregation>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "buckets") {
      if (!v.IsInt() || v.GetInt() <= 0) {
        return util::InvalidArgument("[buckets] must be greater than 0 in [variable_width_histogram]");
      }
      agg->target = static_cast<size_t>(v.GetInt());
    } else if ((key == "shard_size" || key == "initial_buffer") && v.IsInt()) {
      continue;  // sizes of OpenSearch's per-shard buffer; sluice keeps every value
    } else {
      return ParsingError("[variable_width_histogram] unknown field [" + key + "]");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument("Required one of fields [field, script], but none were specified. ");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseAdaptiveHistogramAggregation(
    const std::string& type, const rapidjson::Value& body) {
  if (type == "auto_date_histogram") return ParseAutoDateHistogram(body);
  if (type == "variable_width_histogram") return ParseVariableWidthHistogram(body);
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
