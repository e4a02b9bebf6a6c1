// Pipeline aggregations over the response DOM: the sibling bucket metrics
// (max_bucket, min_bucket, avg_bucket, sum_bucket, stats_bucket) and the
// parent pipelines (derivative, cumulative_sum, moving_fn, bucket_sort), as
// OpenSearch's BucketMetricsPipelineAggregator, DerivativePipelineAggregator,
// CumulativeSumPipelineAggregator, MovAvg/MovFnPipelineAggregator and
// BucketSortPipelineAggregator reduce them.
#include "search/aggregations/pipeline_aggs.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <set>

#include "search/aggregations/buckets_path.h"
#include "search/aggregations/moving_functions.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

constexpr std::array<std::string_view, 18> kPipelineTypes = {
    "avg_bucket",  "bucket_script",     "bucket_selector",        "bucket_sort",
    "cumulative_sum", "derivative",     "extended_stats_bucket",  "max_bucket",
    "min_bucket",  "moving_avg",        "moving_fn",              "percentiles_bucket",
    "serial_diff", "stats_bucket",      "sum_bucket",             "cumulative_cardinality",
    "moving_percentiles", "normalize"};

// Common parameters: buckets_path (one path), gap_policy; refuses the rest.
struct CommonParams {
  std::string path;
  GapPolicy gap = GapPolicy::kSkip;
};

util::Result<CommonParams> ParseCommon(const std::string& type, const std::string& name,
                                       const rapidjson::Value& body,
                                       std::initializer_list<const char*> extra) {
  CommonParams c;
  bool has_path = false;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "buckets_path") {
      if (v.IsString()) {
        c.path = v.GetString();
      } else if (v.IsArray() && v.Size() == 1 && v[0].IsString()) {
        c.path = v[0].GetString();
      } else if (v.IsObject() && v.MemberCount() == 1 && v.MemberBegin()->value.IsString()) {
        c.path = v.MemberBegin()->value.GetString();
      } else {
        return ParsingError("[" + type + "] buckets_path must be a single path");
      }
      has_path = true;
    } else if (key == "gap_policy") {
      SLUICE_ASSIGN_OR_RETURN(c.gap, ParseGapPolicy(v));
    } else if (key == "format") {
      return util::InvalidArgument("[format] of pipeline aggregation [" + type +
                                   "] is not supported by sluice");
    } else if (std::none_of(extra.begin(), extra.end(),
                            [&](const char* e) { return key == e; })) {
      return ParsingError("[" + type + "] unknown field [" + key + "]");
    }
  }
  if (!has_path) {
    return ParsingError("Missing required field [buckets_path] for " + type +
                        " aggregation [" + name + "]");
  }
  return c;
}

// max_bucket, min_bucket, avg_bucket, sum_bucket, stats_bucket.
class BucketMetricsPipeline : public PipelineAggregation {
 public:
  enum class Kind { kMax, kMin, kAvg, kSum, kStats };
  BucketMetricsPipeline(Kind kind, CommonParams params) : kind_(kind), params_(std::move(params)) {}
  bool parent() const override { return false; }

  util::Result<rapidjson::Value> Sibling(const std::vector<std::unique_ptr<Aggregation>>& subs,
                                         const rapidjson::Value& level,
                                         JsonAlloc& alloc) const override {
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> strings, ParseBucketsPath(params_.path));
    const std::string& first = strings.front();
    auto it = level.FindMember(first.c_str());
    if (it == level.MemberEnd() || !IsBucketsAgg(it->value)) {
      return util::InvalidArgument("No aggregation found for path [" + params_.path + "]");
    }
    const Aggregation* multi = FindSub(subs, first);
    static const std::vector<std::unique_ptr<Aggregation>> kNone;
    const auto& inner = multi ? multi->subs : kNone;
    std::vector<std::string> rest(strings.begin() + 1, strings.end());
    double best = kind_ == Kind::kMin ? INFINITY : -INFINITY;
    double sum = 0, min = INFINITY, max = -INFINITY;
    uint64_t count = 0;
    std::vector<std::string> keys;
    for (const rapidjson::Value* b : BucketsOf(it->value)) {
      SLUICE_ASSIGN_OR_RETURN(auto v, ResolveBucketValue(inner, *b, rest, params_.gap, first));
      if (!v || std::isnan(*v)) continue;
      ++count;
      sum += *v;
      min = std::min(min, *v);
      max = std::max(max, *v);
      if ((kind_ == Kind::kMax && *v > best) || (kind_ == Kind::kMin && *v < best)) {
        best = *v;
        keys.clear();
      }
      if ((kind_ == Kind::kMax || kind_ == Kind::kMin) && *v == best) keys.push_back(KeyAsString(*b));
    }
    rapidjson::Value out(rapidjson::kObjectType);
    switch (kind_) {
      case Kind::kMax:
      case Kind::kMin: {
        out.AddMember("value", NumberValue(best), alloc);
        rapidjson::Value arr(rapidjson::kArrayType);
        for (const auto& k : keys) arr.PushBack(rapidjson::Value(k.c_str(), alloc), alloc);
        out.AddMember("keys", arr, alloc);
        break;
      }
      case Kind::kAvg:
        out.AddMember("value", NumberValue(count ? sum / count : NAN), alloc);
        break;
      case Kind::kSum:
        out.AddMember("value", NumberValue(sum), alloc);
        break;
      case Kind::kStats:
        out.AddMember("count", rapidjson::Value(count), alloc);
        out.AddMember("min", NumberValue(count ? min : NAN), alloc);
        out.AddMember("max", NumberValue(count ? max : NAN), alloc);
        out.AddMember("avg", NumberValue(count ? sum / count : NAN), alloc);
        out.AddMember("sum", NumberValue(sum), alloc);
        break;
    }
    return out;
  }

 private:
  Kind kind_;
  CommonParams params_;
};

// The per-bucket values of a parent pipeline's buckets_path.
util::Result<std::vector<std::optional<double>>> BucketValues(
    const Aggregation& enclosing, const std::vector<rapidjson::Value*>& buckets,
    const std::string& path_text, GapPolicy gap) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> strings, ParseBucketsPath(path_text));
  std::vector<std::optional<double>> out;
  for (const rapidjson::Value* b : buckets) {
    SLUICE_ASSIGN_OR_RETURN(auto v,
                            ResolveBucketValue(enclosing.subs, *b, strings, gap, enclosing.name));
    out.push_back(v);
  }
  return out;
}

void AddToBucket(rapidjson::Value& bucket, const std::string& name, rapidjson::Value value,
                 JsonAlloc& alloc) {
  bucket.AddMember(rapidjson::Value(name.c_str(), alloc), value, alloc);
}

class DerivativePipeline : public PipelineAggregation {
 public:
  explicit DerivativePipeline(CommonParams params) : params_(std::move(params)) {}
  bool parent() const override { return true; }
  Status Parent(const Aggregation& enclosing, rapidjson::Value&, std::vector<rapidjson::Value*>& buckets,
                JsonAlloc& alloc) const override {
    SLUICE_ASSIGN_OR_RETURN(auto values, BucketValues(enclosing, buckets, params_.path, params_.gap));
    // As DerivativePipelineAggregator: a gap (NaN under `skip`) still gets a
    // derivative, NaN (null), and so does the bucket after it.
    std::optional<double> last;
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (values[i] && last) {
        AddToBucket(*buckets[i], name, SimpleValue(*values[i] - *last, alloc), alloc);
      }
      last = values[i];
    }
    return Status::Ok();
  }

 private:
  CommonParams params_;
};

class CumulativeSumPipeline : public PipelineAggregation {
 public:
  explicit CumulativeSumPipeline(CommonParams params) : params_(std::move(params)) {}
  bool parent() const override { return true; }
  Status Parent(const Aggregation& enclosing, rapidjson::Value&, std::vector<rapidjson::Value*>& buckets,
                JsonAlloc& alloc) const override {
    SLUICE_ASSIGN_OR_RETURN(auto values,
                            BucketValues(enclosing, buckets, params_.path, GapPolicy::kInsertZeros));
    double sum = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (values[i] && std::isfinite(*values[i])) sum += *values[i];
      AddToBucket(*buckets[i], name, SimpleValue(sum, alloc), alloc);
    }
    return Status::Ok();
  }

 private:
  CommonParams params_;
};

class MovingFnPipeline : public PipelineAggregation {
 public:
  MovingFnPipeline(CommonParams params, MovingFunction fn, int window, int shift)
      : params_(std::move(params)), fn_(std::move(fn)), window_(window), shift_(shift) {}
  bool parent() const override { return true; }
  Status Parent(const Aggregation& enclosing, rapidjson::Value&, std::vector<rapidjson::Value*>& buckets,
                JsonAlloc& alloc) const override {
    SLUICE_ASSIGN_OR_RETURN(auto resolved, BucketValues(enclosing, buckets, params_.path, params_.gap));
    std::vector<double> values;
    for (const auto& v : resolved) {
      if (v && !std::isnan(*v)) values.push_back(*v);
    }
    auto clamp = [&](int i) {
      return static_cast<size_t>(std::clamp(i, 0, static_cast<int>(values.size())));
    };
    int index = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (!resolved[i] || std::isnan(*resolved[i])) continue;
      size_t from = clamp(index - window_ + shift_), to = clamp(index + shift_);
      std::vector<double> window(values.begin() + static_cast<std::ptrdiff_t>(from),
                                 values.begin() + static_cast<std::ptrdiff_t>(std::max(from, to)));
      AddToBucket(*buckets[i], name, SimpleValue(fn_.Apply(window), alloc), alloc);
      ++index;
    }
    return Status::Ok();
  }

 private:
  CommonParams params_;
  MovingFunction fn_;
  int window_, shift_;
};

// bucket_sort: sorts the enclosing aggregation's buckets by paths (`_key`,
// `_count`, metrics), then keeps [from, from + size).
class BucketSortPipeline : public PipelineAggregation {
 public:
  struct SortKey {
    std::string path;
    bool descending = false;
  };
  BucketSortPipeline(std::vector<SortKey> sort, int from, std::optional<int> size, GapPolicy gap)
      : sort_(std::move(sort)), from_(from), size_(size), gap_(gap) {}
  bool parent() const override { return true; }
  Status Parent(const Aggregation& enclosing, rapidjson::Value& out,
                std::vector<rapidjson::Value*>& buckets, JsonAlloc& alloc) const override {
    auto arr = out.FindMember("buckets");
    if (arr == out.MemberEnd() || !arr->value.IsArray()) return Status::Ok();
    struct Row {
      size_t pos;
      std::vector<double> keys;
      std::vector<std::string> text_keys;
    };
    std::vector<Row> rows;
    for (size_t i = 0; i < buckets.size(); ++i) {
      Row r{i, {}, {}};
      bool skip = false;
      for (const SortKey& k : sort_) {
        if (k.path == "_key" && (*buckets[i])["key"].IsString()) {
          r.text_keys.push_back((*buckets[i])["key"].GetString());
          r.keys.push_back(0);
          continue;
        }
        r.text_keys.emplace_back();
        SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> path, ParseBucketsPath(k.path));
        SLUICE_ASSIGN_OR_RETURN(auto v, ResolveBucketValue(enclosing.subs, *buckets[i], path, gap_,
                                                           enclosing.name));
        if (v && std::isnan(*v) && gap_ == GapPolicy::kSkip) skip = true;
        r.keys.push_back(v.value_or(NAN));
      }
      if (!skip) rows.push_back(std::move(r));
    }
    if (!sort_.empty()) {
      std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        for (size_t k = 0; k < sort_.size(); ++k) {
          int c = 0;
          if (a.text_keys[k] != b.text_keys[k]) {
            c = a.text_keys[k] < b.text_keys[k] ? -1 : 1;
          } else if (a.keys[k] != b.keys[k]) {
            c = a.keys[k] < b.keys[k] ? -1 : 1;
          }
          if (c != 0) return sort_[k].descending ? c > 0 : c < 0;
        }
        return false;
      });
    }
    rapidjson::Value sorted(rapidjson::kArrayType);
    size_t end = size_ ? std::min(rows.size(), static_cast<size_t>(from_ + *size_)) : rows.size();
    for (size_t i = static_cast<size_t>(from_); i < end; ++i) {
      sorted.PushBack(rapidjson::Value(arr->value[rows[i].pos], alloc), alloc);
    }
    arr->value = sorted;
    buckets.clear();
    for (auto& b : arr->value.GetArray()) buckets.push_back(&b);
    return Status::Ok();
  }

 private:
  std::vector<SortKey> sort_;
  int from_;
  std::optional<int> size_;
  GapPolicy gap_;
};

util::Result<std::unique_ptr<PipelineAggregation>> ParseBucketSort(const std::string& name,
                                                                   const rapidjson::Value& body) {
  std::vector<BucketSortPipeline::SortKey> sort;
  int from = 0;
  std::optional<int> size;
  GapPolicy gap = GapPolicy::kSkip;
  auto one = [&](const rapidjson::Value& v) -> Status {
    if (v.IsString()) {
      sort.push_back({v.GetString(), false});
      return Status::Ok();
    }
    if (v.IsObject() && v.MemberCount() == 1) {
      const auto& m = *v.MemberBegin();
      BucketSortPipeline::SortKey k{m.name.GetString(), false};
      const rapidjson::Value* order = &m.value;
      if (m.value.IsObject()) {
        auto o = m.value.FindMember("order");
        order = o == m.value.MemberEnd() ? nullptr : &o->value;
      }
      if (order != nullptr) {
        std::string o = order->IsString() ? order->GetString() : "";
        if (o != "asc" && o != "desc") {
          return util::InvalidArgument("Unknown SortOrder [" + o + "]");
        }
        k.descending = o == "desc";
      }
      sort.push_back(std::move(k));
      return Status::Ok();
    }
    return ParsingError("[bucket_sort] malformed [sort]");
  };
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "sort") {
      if (v.IsArray()) {
        for (const auto& e : v.GetArray()) SLUICE_RETURN_IF_ERROR(one(e));
      } else {
        SLUICE_RETURN_IF_ERROR(one(v));
      }
    } else if (key == "from") {
      if (!v.IsInt() || v.GetInt() < 0) {
        return util::InvalidArgument("[from] must be a non-negative integer: [" +
                                     std::string(v.IsInt() ? std::to_string(v.GetInt()) : "?") +
                                     "]");
      }
      from = v.GetInt();
    } else if (key == "size") {
      if (!v.IsInt() || v.GetInt() <= 0) {
        return util::InvalidArgument("[size] must be a positive integer: [" +
                                     std::string(v.IsInt() ? std::to_string(v.GetInt()) : "?") +
                                     "]");
      }
      size = v.GetInt();
    } else if (key == "gap_policy") {
      SLUICE_ASSIGN_OR_RETURN(gap, ParseGapPolicy(v));
    } else {
      return ParsingError("[bucket_sort] unknown field [" + key + "]");
    }
  }
  std::vector<std::string> paths;
  for (const auto& k : sort) paths.push_back(k.path);
  auto agg = std::make_unique<BucketSortPipeline>(std::move(sort), from, size, gap);
  agg->buckets_paths = std::move(paths);
  agg->name = name;
  return std::unique_ptr<PipelineAggregation>(std::move(agg));
}

util::Result<std::unique_ptr<PipelineAggregation>> ParseMovingFn(const std::string& name,
                                                                 const rapidjson::Value& body) {
  SLUICE_ASSIGN_OR_RETURN(CommonParams c,
                          ParseCommon("moving_fn", name, body, {"window", "shift", "script"}));
  auto w = body.FindMember("window");
  if (w == body.MemberEnd()) {
    return ParsingError("Missing required field [window] for moving_fn aggregation [" + name + "]");
  }
  if (!w->value.IsInt() || w->value.GetInt() <= 0) {
    return util::InvalidArgument("[window] must be a positive, non-zero integer.");
  }
  int shift = 0;
  if (auto s = body.FindMember("shift"); s != body.MemberEnd()) {
    if (!s->value.IsInt()) return ParsingError("[moving_fn] [shift] must be an integer");
    shift = s->value.GetInt();
  }
  auto sc = body.FindMember("script");
  const rapidjson::Value* source = nullptr;
  if (sc != body.MemberEnd()) {
    if (sc->value.IsString()) {
      source = &sc->value;
    } else if (sc->value.IsObject()) {
      auto src = sc->value.FindMember("source");
      if (src != sc->value.MemberEnd() && src->value.IsString()) source = &src->value;
    }
  }
  if (source == nullptr) {
    return ParsingError("Missing required field [script] for moving_fn aggregation [" + name + "]");
  }
  SLUICE_ASSIGN_OR_RETURN(MovingFunction fn, ParseMovingFunction(source->GetString()));
  std::string path = c.path;
  auto agg = std::make_unique<MovingFnPipeline>(std::move(c), std::move(fn), w->value.GetInt(), shift);
  agg->buckets_paths = {path};
  agg->name = name;
  return std::unique_ptr<PipelineAggregation>(std::move(agg));
}

bool IsHistogram(const std::string& type) {
  return type == "histogram" || type == "date_histogram" || type == "auto_date_histogram";
}

// Pipelines in an order where each comes after the pipelines its paths read.
std::vector<const PipelineAggregation*> Ordered(
    const std::vector<std::unique_ptr<PipelineAggregation>>& pipelines) {
  std::vector<const PipelineAggregation*> out;
  std::set<const PipelineAggregation*> done, visiting;
  std::function<void(const PipelineAggregation*)> visit = [&](const PipelineAggregation* p) {
    if (done.count(p) || visiting.count(p)) return;
    visiting.insert(p);
    for (const auto& path : p->buckets_paths) {
      std::string head = path.substr(0, path.find_first_of(">.["));
      for (const auto& q : pipelines) {
        if (q->name == head && q.get() != p) visit(q.get());
      }
    }
    done.insert(p);
    out.push_back(p);
  };
  for (const auto& p : pipelines) visit(p.get());
  return out;
}

Status ProcessAggregation(const Aggregation& agg, rapidjson::Value& out, JsonAlloc& alloc) {
  if (!out.IsObject() || (agg.subs.empty() && agg.pipelines.empty())) return Status::Ok();
  std::vector<rapidjson::Value*> buckets;
  if (auto it = out.FindMember("buckets"); it != out.MemberEnd()) {
    if (it->value.IsArray()) {
      for (auto& b : it->value.GetArray()) buckets.push_back(&b);
    } else if (it->value.IsObject()) {
      for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
        buckets.push_back(&m->value);
      }
    }
  } else {
    buckets.push_back(&out);
  }
  std::vector<std::unique_ptr<PipelineAggregation>> none;
  for (rapidjson::Value* b : buckets) SLUICE_RETURN_IF_ERROR(ApplyPipelines(agg.subs, none, *b, alloc));
  for (const PipelineAggregation* p : Ordered(agg.pipelines)) {
    if (p->parent()) {
      SLUICE_RETURN_IF_ERROR(p->Parent(agg, out, buckets, alloc));
    } else {
      for (rapidjson::Value* b : buckets) {
        SLUICE_ASSIGN_OR_RETURN(rapidjson::Value v, p->Sibling(agg.subs, *b, alloc));
        AddToBucket(*b, p->name, std::move(v), alloc);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

util::Result<rapidjson::Value> PipelineAggregation::Sibling(
    const std::vector<std::unique_ptr<Aggregation>>&, const rapidjson::Value&, JsonAlloc&) const {
  return util::Internal("not a sibling pipeline");
}
util::Status PipelineAggregation::Parent(const Aggregation&, rapidjson::Value&,
                                         std::vector<rapidjson::Value*>&, JsonAlloc&) const {
  return util::Internal("not a parent pipeline");
}

bool IsPipelineType(const std::string& type) {
  return std::find(kPipelineTypes.begin(), kPipelineTypes.end(), type) != kPipelineTypes.end();
}

util::Result<std::unique_ptr<PipelineAggregation>> ParsePipelineAggregation(
    const std::string& type, const std::string& name, const rapidjson::Value& body,
    const std::string& parent_type) {
  if (!body.IsObject()) {
    return ParsingError("Expected [START_OBJECT] under [" + type + "], but got a value");
  }
  std::unique_ptr<PipelineAggregation> agg;
  using Kind = BucketMetricsPipeline::Kind;
  static const std::vector<std::tuple<std::string_view, Kind, std::string_view>> kMetrics = {
      {"max_bucket", Kind::kMax, "bucket_metric_value"},
      {"min_bucket", Kind::kMin, "bucket_metric_value"},
      {"avg_bucket", Kind::kAvg, "simple_value"},
      {"sum_bucket", Kind::kSum, "simple_value"},
      {"stats_bucket", Kind::kStats, "stats_bucket"}};
  for (auto [t, kind, typed] : kMetrics) {
    if (type != t) continue;
    SLUICE_ASSIGN_OR_RETURN(CommonParams c, ParseCommon(type, name, body, {}));
    std::string path = c.path;
    agg = std::make_unique<BucketMetricsPipeline>(kind, std::move(c));
    agg->typed_name = typed;
    agg->buckets_paths = {path};
  }
  const bool sequential = type == "derivative" || type == "cumulative_sum" || type == "moving_fn";
  if (type == "moving_fn") {
    SLUICE_ASSIGN_OR_RETURN(agg, ParseMovingFn(name, body));
    agg->typed_name = "simple_value";
  } else if (type == "derivative" || type == "cumulative_sum") {
    SLUICE_ASSIGN_OR_RETURN(CommonParams c, ParseCommon(type, name, body, {}));
    std::string path = c.path;
    if (type == "derivative") {
      if (body.HasMember("unit")) {
        return util::InvalidArgument("[unit] of [derivative] is not supported by sluice");
      }
      agg = std::make_unique<DerivativePipeline>(std::move(c));
      agg->typed_name = "derivative";
    } else {
      agg = std::make_unique<CumulativeSumPipeline>(std::move(c));
      agg->typed_name = "simple_value";
    }
    agg->buckets_paths = {path};
  } else if (type == "bucket_sort") {
    SLUICE_ASSIGN_OR_RETURN(agg, ParseBucketSort(name, body));
    agg->typed_name = "bucket_sort";
    if (parent_type.empty()) {
      return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: bucket_sort aggregation [" + name +
                              "] must be declared inside of another aggregation;");
    }
  }
  if (!agg) {
    return util::InvalidArgument("pipeline aggregation [" + type + "] is not supported by sluice");
  }
  if (sequential && !IsHistogram(parent_type)) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: " + type + " aggregation [" + name +
                            "] must have a histogram, date_histogram or auto_date_histogram as "
                            "parent" +
                            (parent_type.empty() ? " but doesn't have a parent" : "") + ";");
  }
  agg->name = name;
  return agg;
}

Status ApplyPipelines(const std::vector<std::unique_ptr<Aggregation>>& aggs,
                      const std::vector<std::unique_ptr<PipelineAggregation>>& pipelines,
                      rapidjson::Value& level, JsonAlloc& alloc) {
  for (const auto& agg : aggs) {
    auto it = level.FindMember(agg->name.c_str());
    if (it != level.MemberEnd()) SLUICE_RETURN_IF_ERROR(ProcessAggregation(*agg, it->value, alloc));
  }
  for (const PipelineAggregation* p : Ordered(pipelines)) {
    SLUICE_ASSIGN_OR_RETURN(rapidjson::Value v, p->Sibling(aggs, level, alloc));
    AddToBucket(level, p->name, std::move(v), alloc);
  }
  return Status::Ok();
}

}  // namespace sluice::search
