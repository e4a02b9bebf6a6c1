// Distribution metrics: percentiles and percentile_ranks (t-digest or HDR
// histogram) and median_absolute_deviation.
//
// sluice keeps every value, so each method is computed as OpenSearch's
// sketch would report it for the same values on one shard:
//  - t-digest 3.2 while every value is its own centroid (exact at the sizes
//    where OpenSearch's digest keeps singletons; sluice keeps them at any
//    size): quantiles interpolate linearly between centroid centres at
//    cumulative weights i + 0.5, with the min below the first and the max
//    above the last; ranks count the values below plus half the equal ones.
//  - HdrHistogram's DoubleHistogram: its auto-ranging settles the lowest
//    tracked value on the largest power of two not above the smallest
//    non-zero value, so each value becomes the integer
//    trunc(v * subBucketHalfCount / that power) and a percentile reports the
//    highest value equivalent to the integer bucket it falls in.
#include <algorithm>
#include <cmath>

#include "json/json_writer.h"
#include "search/aggregations/metric_support.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

std::string DoubleKey(double p) {
  json::JsonWriter w;
  w.Double(p);
  return w.Take();
}

// t-digest 3.2 quantile over sorted singleton centroids.
double TDigestQuantile(const std::vector<double>& sorted, double q) {
  double n = static_cast<double>(sorted.size());
  if (sorted.size() == 1) return sorted[0];
  double index = q * n;
  if (index <= 0.5) return sorted.front();
  if (index >= n - 0.5) return sorted.back();
  double pos = index - 0.5;
  size_t lo = static_cast<size_t>(pos);
  double frac = pos - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double TDigestCdf(const std::vector<double>& sorted, double x) {
  auto lo = std::lower_bound(sorted.begin(), sorted.end(), x);
  auto hi = std::upper_bound(sorted.begin(), sorted.end(), x);
  double below = static_cast<double>(lo - sorted.begin());
  double equal = static_cast<double>(hi - lo);
  return (below + equal / 2) / static_cast<double>(sorted.size());
}

// The integer layout of an HdrHistogram with `digits` significant digits
// and a lowest discernible value of 1.
class HdrLayout {
 public:
  HdrLayout(int digits, const std::vector<double>& sorted) {
    int64_t largest_single_unit = 2;
    for (int i = 0; i < digits; ++i) largest_single_unit *= 10;
    sub_bucket_magnitude_ = 0;
    while ((int64_t{1} << sub_bucket_magnitude_) < largest_single_unit) ++sub_bucket_magnitude_;
    half_count_ = int64_t{1} << (std::max(sub_bucket_magnitude_, 1) - 1);
    double lowest = 1;
    for (double v : sorted) {
      if (v > 0) {
        int exp = 0;
        std::frexp(v, &exp);
        lowest = std::ldexp(1.0, exp - 1);
        break;
      }
    }
    ratio_ = lowest / static_cast<double>(half_count_);
  }
  int64_t ToInteger(double v) const { return static_cast<int64_t>(v / ratio_); }
  double ToDouble(int64_t i) const { return static_cast<double>(i) * ratio_; }
  int BucketShift(int64_t i) const {
    int bits = 64 - __builtin_clzll(static_cast<uint64_t>(i) | ((uint64_t{1} << sub_bucket_magnitude_) - 1));
    return std::max(0, bits - sub_bucket_magnitude_);
  }
  int64_t Lowest(int64_t i) const {
    int s = BucketShift(i);
    return (i >> s) << s;
  }
  int64_t Highest(int64_t i) const { return Lowest(i) + (int64_t{1} << BucketShift(i)) - 1; }

 private:
  int sub_bucket_magnitude_ = 0;
  int64_t half_count_ = 1;
  double ratio_ = 1;
};

// AbstractHistogram.getValueAtPercentile over the sorted values.
double HdrValueAt(const std::vector<double>& sorted, double percentile, const HdrLayout& h) {
  double requested = std::clamp(std::nextafter(percentile, -INFINITY), 0.0, 100.0);
  double total = static_cast<double>(sorted.size());
  int64_t count = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(requested / 100.0 * total)));
  int64_t i = h.ToInteger(sorted[static_cast<size_t>(std::min<int64_t>(count, sorted.size()) - 1)]);
  return h.ToDouble(percentile == 0.0 ? h.Lowest(i) : h.Highest(i));
}

// AbstractHistogram.getPercentileAtOrBelowValue.
double HdrRank(const std::vector<double>& sorted, double x, const HdrLayout& h) {
  if (x < 0) return 0;
  int64_t limit = h.Lowest(h.ToInteger(x));
  size_t n = 0;
  for (double v : sorted) {
    if (h.Lowest(h.ToInteger(v)) <= limit) ++n;
  }
  return 100.0 * static_cast<double>(n) / static_cast<double>(sorted.size());
}

class PercentilesAggregation : public Aggregation {
 public:
  enum class Method { kTDigest, kHdr };
  PercentilesAggregation(ValuesSource vs, std::vector<double> keys, bool keyed, Method method,
                         int digits, bool ranks)
      : vs_(std::move(vs)),
        keys_(std::move(keys)),
        keyed_(keyed),
        method_(method),
        digits_(digits),
        ranks_(ranks) {
    type_name = std::string(method == Method::kHdr ? "hdr_" : "tdigest_") +
                (ranks ? "percentile_ranks" : "percentiles");
  }

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    SLUICE_ASSIGN_OR_RETURN(Numbers n, Collect(docs));
    w.StartObject().Key("values");
    if (keyed_)
      w.StartObject();
    else
      w.StartArray();
    const bool any = !n.values.empty();
    for (double k : keys_) {
      double v = any ? Value(n.values, k) : NAN;
      // Ranks are percents; only percentiles are values of the field.
      const bool as_date = n.is_date && any && !ranks_;
      std::string key = DoubleKey(k);
      if (keyed_) {
        w.Key(key);
        NumberOrNull(w, any, v);
        if (as_date) w.Key(key + "_as_string").String(FormatDate(static_cast<int64_t>(v)));
      } else {
        w.StartObject().Key("key").Double(k).Key("value");
        NumberOrNull(w, any, v);
        if (as_date) w.Key("value_as_string").String(FormatDate(static_cast<int64_t>(v)));
        w.EndObject();
      }
    }
    if (keyed_)
      w.EndObject();
    else
      w.EndArray();
    w.EndObject();
    return Status::Ok();
  }

  util::Result<double> OrderValue(const DocSet& docs, std::string_view key) const override {
    SLUICE_ASSIGN_OR_RETURN(Numbers n, Collect(docs));
    char* end = nullptr;
    std::string k(key);
    double p = std::strtod(k.c_str(), &end);
    if (k.empty() || *end != '\0') {
      return util::InvalidArgument("Invalid percentile [" + k + "]");
    }
    return n.values.empty() ? NAN : Value(n.values, p);
  }

 private:
  util::Result<Numbers> Collect(const DocSet& docs) const {
    SLUICE_ASSIGN_OR_RETURN(Numbers n, CollectNumbers(docs, vs_, type_name));
    std::sort(n.values.begin(), n.values.end());
    if (method_ == Method::kHdr && !n.values.empty() && n.values.front() < 0) {
      return util::Status(util::Code::kInternal, "array_index_out_of_bounds_exception",
                          "Negative values cannot be recorded");
    }
    return n;
  }
  double Value(const std::vector<double>& sorted, double k) const {
    if (method_ == Method::kTDigest) {
      return ranks_ ? TDigestCdf(sorted, k) * 100 : TDigestQuantile(sorted, k / 100);
    }
    HdrLayout h(digits_, sorted);
    return ranks_ ? HdrRank(sorted, k, h) : HdrValueAt(sorted, k, h);
  }

  ValuesSource vs_;
  std::vector<double> keys_;
  bool keyed_;
  Method method_;
  int digits_;
  bool ranks_;
};

// Median of the absolute deviations from the median, both taken as t-digest
// quantiles (InternalMedianAbsoluteDeviation).
class MedianAbsoluteDeviationAggregation : public Aggregation {
 public:
  explicit MedianAbsoluteDeviationAggregation(ValuesSource vs) : vs_(std::move(vs)) {}
  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    SLUICE_ASSIGN_OR_RETURN(double v, OrderValue(docs, ""));
    w.StartObject().Key("value");
    NumberOrNull(w, !std::isnan(v), v);
    w.EndObject();
    return Status::Ok();
  }
  util::Result<double> OrderValue(const DocSet& docs, std::string_view) const override {
    SLUICE_ASSIGN_OR_RETURN(Numbers n, CollectNumbers(docs, vs_, "median_absolute_deviation"));
    if (n.values.empty()) return NAN;
    std::sort(n.values.begin(), n.values.end());
    double median = TDigestQuantile(n.values, 0.5);
    std::vector<double> dev;
    for (double v : n.values) dev.push_back(std::abs(v - median));
    std::sort(dev.begin(), dev.end());
    return TDigestQuantile(dev, 0.5);
  }

 private:
  ValuesSource vs_;
};

std::string Number(const rapidjson::Value& v) {
  return v.IsNumber() ? DoubleKey(v.GetDouble()) : "?";
}

// "tdigest": {"compression"} or "hdr": {"number_of_significant_value_digits"}.
util::Status ParseMethod(const rapidjson::Value& body, const std::string& name,
                         PercentilesAggregation::Method* method, int* digits) {
  auto t = body.FindMember("tdigest");
  auto h = body.FindMember("hdr");
  if (t != body.MemberEnd() && h != body.MemberEnd()) {
    return ParsingError("[" + name + "] cannot set both [tdigest] and [hdr]");
  }
  if (t != body.MemberEnd()) {
    if (!t->value.IsObject()) return ParsingError("[tdigest] must be an object");
    for (auto it = t->value.MemberBegin(); it != t->value.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key != "compression") return ParsingError("[tdigest] unknown field [" + key + "]");
      if (!it->value.IsNumber()) return ParsingError("[compression] must be a number");
      if (it->value.GetDouble() < 0) {
        return util::InvalidArgument("[compression] must be greater than or equal to 0. Found [" +
                                     Number(it->value) + "] in [" + name + "]");
      }
    }
  }
  if (h != body.MemberEnd()) {
    if (!h->value.IsObject()) return ParsingError("[hdr] must be an object");
    *method = PercentilesAggregation::Method::kHdr;
    for (auto it = h->value.MemberBegin(); it != h->value.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key != "number_of_significant_value_digits") {
        return ParsingError("[hdr] unknown field [" + key + "]");
      }
      if (!it->value.IsInt()) {
        return ParsingError("[number_of_significant_value_digits] must be an integer");
      }
      *digits = it->value.GetInt();
      if (*digits < 0 || *digits > 5) {
        return util::InvalidArgument(
            "[numberOfSignificantValueDigits] must be between 0 and 5: [" + name + "]");
      }
    }
  }
  return Status::Ok();
}

// "percents" / "values": a non-empty array of numbers.
util::Result<std::vector<double>> ParseKeys(const rapidjson::Value& body, const char* field,
                                            const std::string& name, bool percents) {
  auto p = body.FindMember(field);
  if (p == body.MemberEnd()) {
    if (percents) return std::vector<double>{1, 5, 25, 50, 75, 95, 99};
    return util::InvalidArgument("[values] must not be null: [" + name + "]");
  }
  if (p->value.IsNull()) {
    return util::InvalidArgument("[" + std::string(field) + "] must not be null: [" + name + "]");
  }
  if (!p->value.IsArray() || p->value.Empty()) {
    return util::InvalidArgument("[" + std::string(field) + "] must not be empty: [" + name + "]");
  }
  std::vector<double> out;
  for (const auto& v : p->value.GetArray()) {
    if (!v.IsNumber()) {
      return ParsingError("[" + std::string(field) + "] must be an array of numbers");
    }
    if (percents && (v.GetDouble() < 0 || v.GetDouble() > 100)) {
      return util::InvalidArgument("percent must be in [0,100], got [" + Number(v) + "]: [" +
                                   name + "]");
    }
    out.push_back(v.GetDouble());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseDistributionAggregation(
    const std::string& type, const std::string& name, const rapidjson::Value& body) {
  if (type == "percentiles" || type == "percentile_ranks") {
    const bool ranks = type == "percentile_ranks";
    const char* keys_field = ranks ? "values" : "percents";
    SLUICE_ASSIGN_OR_RETURN(ValuesSource vs,
                            ParseValuesSource(body, type, {keys_field, "keyed", "tdigest", "hdr"}));
    SLUICE_ASSIGN_OR_RETURN(std::vector<double> keys, ParseKeys(body, keys_field, name, !ranks));
    bool keyed = true;
    if (auto k = body.FindMember("keyed"); k != body.MemberEnd()) {
      if (!k->value.IsBool()) return ParsingError("[keyed] must be a boolean");
      keyed = k->value.GetBool();
    }
    auto method = PercentilesAggregation::Method::kTDigest;
    int digits = 3;
    SLUICE_RETURN_IF_ERROR(ParseMethod(body, name, &method, &digits));
    return std::unique_ptr<Aggregation>(std::make_unique<PercentilesAggregation>(
        std::move(vs), std::move(keys), keyed, method, digits, ranks));
  }
  if (type == "median_absolute_deviation") {
    SLUICE_ASSIGN_OR_RETURN(ValuesSource vs,
                            ParseValuesSource(body, type, {"compression", "execution_hint"}));
    if (auto c = body.FindMember("compression"); c != body.MemberEnd()) {
      if (!c->value.IsNumber()) return ParsingError("[compression] must be a number");
      if (c->value.GetDouble() <= 0) {
        return util::InvalidArgument("[compression] must be greater than 0. Found [" +
                                     Number(c->value) + "] in [" + name + "]");
      }
    }
    return std::unique_ptr<Aggregation>(
        std::make_unique<MedianAbsoluteDeviationAggregation>(std::move(vs)));
  }
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
