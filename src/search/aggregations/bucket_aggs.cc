// Bucket aggregations keyed by value: terms, rare_terms (the query-keyed
// ones are in filter_aggs.cc), and the dispatch of every bucket type.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>

#include "index/date_parse.h"
#include "index/typed_values.h"
#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"

namespace sluice::search {
namespace {

using index::FieldType;
using util::ParsingError;
using util::Status;

struct TermsOrder {
  std::string path;  // "_count", "_key" or a sub-aggregation path
  bool descending = true;
};

// Which terms a bucket may have: include/exclude as a regular expression
// (whole-term match, as Lucene's RegExp) or as exact lists. The patterns come
// from users: RE2 matches in linear time without recursion, where std::regex
// backtracks and can exhaust the stack on a long term.
struct TermFilter {
  std::shared_ptr<const re2::RE2> include_re, exclude_re;
  std::vector<std::string> include_list, exclude_list;
  bool Accepts(const std::string& term) const {
    if (include_re && !re2::RE2::FullMatch(term, *include_re)) return false;
    if (!include_list.empty() &&
        std::find(include_list.begin(), include_list.end(), term) == include_list.end()) {
      return false;
    }
    if (exclude_re && re2::RE2::FullMatch(term, *exclude_re)) return false;
    return std::find(exclude_list.begin(), exclude_list.end(), term) == exclude_list.end();
  }
  bool empty() const {
    return !include_re && !exclude_re && include_list.empty() && exclude_list.empty();
  }
};

class TermsAggregation : public Aggregation {
 public:
  std::string field;
  int size = 10;
  int64_t min_doc_count = 1;
  std::vector<TermsOrder> order = {{"_count", true}};
  std::optional<std::string> missing_text;
  std::optional<double> missing_number;
  TermFilter filter;
  // rare_terms: the terms in at most this many documents, all of them, by
  // key (InternalRareTerms has no size, order or error counts).
  std::optional<int64_t> max_doc_count;

  std::string TypedName(const DocSet& docs) const override {
    const std::string suffix = max_doc_count ? "rareterms" : "terms";
    for (const Segment& seg : docs) {
      auto ref = ResolveField(*seg.index, field);
      if (!ref.ok() || !ref->mapped) continue;
      if (ref->is_string()) return "s" + suffix;
      return (IntegralKey(*ref) || max_doc_count ? "l" : "d") + suffix;
    }
    return (missing_text || missing_number ? "s" : "um") + suffix;
  }

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    // Resolve the field per index; the first mapped one decides the key type.
    std::vector<FieldRef> refs;
    FieldRef key_type;
    for (const Segment& seg : docs) {
      SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, field));
      if (ref.mapped && !key_type.mapped) key_type = ref;
      refs.push_back(ref);
    }
    const bool strings = !key_type.mapped || key_type.is_string();
    if (!strings && (filter.include_re || filter.exclude_re)) {
      return util::InvalidArgument(
          "Aggregation [" + name +
          "] cannot support regular expression style include/exclude settings as they can only "
          "be applied to string fields. Use an array of values for include/exclude clauses");
    }
    struct Bucket {
      std::string text;
      double number = 0;
      uint64_t count = 0;
      size_t index = 0;  // into the BucketDocs
    };
    std::vector<Bucket> buckets;
    // Keys view the doc values (stable under the read lock) or the missing value.
    std::unordered_map<std::string_view, size_t> by_text;
    std::unordered_map<double, size_t> by_number;
    const bool need_docs = !subs.empty();
    std::vector<std::vector<std::pair<size_t, ScoredDoc>>> bucket_docs;
    const std::string missing_key = missing_text.value_or("");
    auto bucket_of = [&](const std::string* text, double number) -> size_t {
      if (strings) {
        auto [it, fresh] = by_text.try_emplace(std::string_view(*text), buckets.size());
        if (fresh) buckets.push_back({*text, 0, 0, buckets.size()});
        return it->second;
      }
      auto [it, fresh] = by_number.try_emplace(number, buckets.size());
      if (fresh) buckets.push_back({"", number, 0, buckets.size()});
      return it->second;
    };
    std::vector<size_t> seen;
    for (size_t s = 0; s < docs.size(); ++s) {
      const Segment& seg = docs[s];
      const FieldRef& ref = refs[s];
      for (const ScoredDoc& d : seg.docs) {
        seen.clear();
        ForEachValue(*seg.index, d.doc, ref, [&](const index::Index::Value& v) {
          size_t b = bucket_of(&v.text, v.number);
          if (std::find(seen.begin(), seen.end(), b) == seen.end()) seen.push_back(b);
        });
        if (seen.empty() && (missing_text || missing_number)) {
          seen.push_back(bucket_of(&missing_key, missing_number.value_or(0)));
        }
        for (size_t b : seen) {
          ++buckets[b].count;
          if (need_docs) {
            if (bucket_docs.size() < buckets.size()) bucket_docs.resize(buckets.size());
            bucket_docs[b].push_back({s, d});
          }
        }
      }
    }
    // Filter terms and min_doc_count. Listed dates may be written as dates.
    TermFilter dated;
    if (key_type.type == FieldType::kDate) {
      dated = filter;
      for (auto* list : {&dated.include_list, &dated.exclude_list}) {
        for (std::string& t : *list) {
          if (auto ms = index::ParseDateMillis(t)) t = std::to_string(*ms);
        }
      }
    }
    const TermFilter& terms_filter = key_type.type == FieldType::kDate ? dated : filter;
    std::vector<Bucket> kept;
    for (auto& b : buckets) {
      if (static_cast<int64_t>(b.count) < min_doc_count) continue;
      if (max_doc_count && static_cast<int64_t>(b.count) > *max_doc_count) continue;
      if (!terms_filter.empty() &&
          !terms_filter.Accepts(strings ? b.text : KeyText(b.number, key_type))) {
        continue;
      }
      kept.push_back(b);
    }
    auto docs_of = [&](size_t b) {
      DocSet set;
      for (const Segment& seg : docs) set.push_back({seg.index, {}});
      if (b < bucket_docs.size()) {
        for (const auto& [s, d] : bucket_docs[b]) set[s].docs.push_back(d);
      }
      return set;
    };
    // Order values of sub-aggregation orders, computed once per bucket.
    std::vector<std::vector<double>> order_values(kept.size());
    for (size_t i = 0; i < kept.size(); ++i) {
      for (const TermsOrder& o : order) {
        if (o.path == "_count" || o.path == "_key") continue;
        DocSet set = docs_of(kept[i].index);
        SLUICE_ASSIGN_OR_RETURN(double v, SubOrderValue(*this, set, o.path));
        order_values[i].push_back(v);
      }
    }
    std::vector<size_t> idx(kept.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    auto key_less = [&](size_t a, size_t b) {
      return strings ? kept[a].text < kept[b].text : kept[a].number < kept[b].number;
    };
    auto cmp = [&](size_t a, size_t b) {
      size_t sub = 0;
      for (const TermsOrder& o : order) {
        int c = 0;
        if (o.path == "_count") {
          c = kept[a].count < kept[b].count ? -1 : (kept[a].count > kept[b].count ? 1 : 0);
        } else if (o.path == "_key") {
          c = key_less(a, b) ? -1 : (key_less(b, a) ? 1 : 0);
        } else {
          double x = order_values[a][sub], y = order_values[b][sub];
          ++sub;
          c = x < y ? -1 : (x > y ? 1 : 0);
        }
        if (c != 0) return o.descending ? c > 0 : c < 0;
      }
      return key_less(a, b);  // ties: key ascending
    };
    size_t shown = max_doc_count ? idx.size() : std::min(idx.size(), static_cast<size_t>(size));
    std::partial_sort(idx.begin(), idx.begin() + shown, idx.end(), cmp);
    uint64_t other = 0;
    for (size_t i = shown; i < idx.size(); ++i) other += kept[idx[i]].count;
    w.StartObject();
    if (!max_doc_count) {
      w.Key("doc_count_error_upper_bound").Int(0);
      w.Key("sum_other_doc_count").Uint(other);
    }
    w.Key("buckets").StartArray();
    for (size_t i = 0; i < shown; ++i) {
      const Bucket& b = kept[idx[i]];
      w.StartObject().Key("key");
      if (strings) {
        w.String(b.text);
      } else {
        WriteNumericKey(b.number, key_type, w);
      }
      DocSet set = need_docs ? docs_of(b.index) : DocSet();
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, b.count, w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }

 private:
  static bool IntegralKey(const FieldRef& ref) {
    return index::IsIntegral(ref.type) || ref.type == FieldType::kDate ||
           ref.type == FieldType::kBoolean;
  }
  static std::string KeyText(double v, const FieldRef& ref) {
    if (ref.type == FieldType::kBoolean) return v != 0 ? "true" : "false";
    if (IntegralKey(ref)) return index::IntegralText(v, ref.type);
    json::JsonWriter w;
    w.Double(v);
    return w.Take();
  }
  static void WriteNumericKey(double v, const FieldRef& ref, json::JsonWriter& w) {
    if (IntegralKey(ref)) {
      w.Raw(index::IntegralText(v, ref.type));
      if (ref.type == FieldType::kDate) {
        w.Key("key_as_string").String(FormatDate(static_cast<int64_t>(v)));
      } else if (ref.type == FieldType::kBoolean) {
        w.Key("key_as_string").String(v != 0 ? "true" : "false");
      }
    } else {
      w.Double(v);
    }
  }
};

util::Result<std::vector<TermsOrder>> ParseOrder(const rapidjson::Value& v) {
  std::vector<TermsOrder> out;
  auto one = [&](const rapidjson::Value& o) -> Status {
    if (!o.IsObject()) return ParsingError("[order] must be an object or an array of objects");
    for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
      std::string dir = it->value.IsString() ? it->value.GetString() : "";
      if (dir != "asc" && dir != "desc") {
        return ParsingError("Unknown terms order direction [" + dir + "]");
      }
      std::string path = it->name.GetString();
      if (path == "_term") path = "_key";
      out.push_back({path, dir == "desc"});
    }
    return Status::Ok();
  };
  if (v.IsArray()) {
    for (const auto& o : v.GetArray()) SLUICE_RETURN_IF_ERROR(one(o));
  } else {
    SLUICE_RETURN_IF_ERROR(one(v));
  }
  return out;
}

Status ParseIncludeExclude(const rapidjson::Value& v, bool include, TermFilter* f) {
  if (v.IsString()) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(
        re2::StringPiece(v.GetString(), v.GetStringLength()), options);
    if (!re->ok()) {
      return util::InvalidArgument("invalid regular expression [" + std::string(v.GetString()) +
                                   "]: " + re->error());
    }
    (include ? f->include_re : f->exclude_re) = std::move(re);
    return Status::Ok();
  }
  if (v.IsArray()) {
    for (const auto& s : v.GetArray()) {
      std::string term;
      if (s.IsString())
        term = s.GetString();
      else if (s.IsInt64())
        term = std::to_string(s.GetInt64());
      else
        return ParsingError("[include]/[exclude] values must be strings or numbers");
      (include ? f->include_list : f->exclude_list).push_back(term);
    }
    return Status::Ok();
  }
  if (v.IsObject() && include) {
    return util::InvalidArgument("partitioned [include] is not supported by sluice");
  }
  return ParsingError("[include]/[exclude] must be a string or an array");
}

// terms, or rare_terms when rare (max_doc_count and precision instead of
// size, order and min_doc_count).
util::Result<std::unique_ptr<Aggregation>> ParseTerms(const rapidjson::Value& body, bool rare) {
  auto agg = std::make_unique<TermsAggregation>();
  const std::string type = rare ? "rare_terms" : "terms";
  if (rare) {
    agg->max_doc_count = 1;
    agg->order = {{"_count", false}, {"_key", false}};  // rarest first, then by key
  }
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (rare && (key == "size" || key == "order" || key == "min_doc_count" ||
                 key == "shard_size" || key == "shard_min_doc_count")) {
      return ParsingError("[rare_terms] unknown field [" + key + "]");
    }
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (rare && key == "max_doc_count") {
      if (!v.IsInt64() || v.GetInt64() <= 0) {
        return util::InvalidArgument("[maxDocCount] must be greater than 0. Found [" +
                                     std::string(v.IsInt64() ? std::to_string(v.GetInt64()) : "?") +
                                     "] in [rare_terms]");
      }
      if (v.GetInt64() > 100) {
        return util::InvalidArgument(
            "[maxDocCount] must be smaller than or equal to 100. Found [" +
            std::to_string(v.GetInt64()) + "] in [rare_terms]");
      }
      agg->max_doc_count = v.GetInt64();
    } else if (rare && key == "precision" && v.IsNumber()) {
      continue;  // the cuckoo filter's error rate; sluice counts exactly
    } else if (key == "size") {
      if (!v.IsInt() || v.GetInt() <= 0) {
        return util::InvalidArgument("[size] must be greater than 0. Found [" +
                                     std::string(v.IsInt() ? std::to_string(v.GetInt()) : "?") +
                                     "] in [terms]");
      }
      agg->size = v.GetInt();
    } else if (key == "min_doc_count") {
      if (!v.IsInt64() || v.GetInt64() < 0) {
        return util::InvalidArgument(
            "[min_doc_count] must be greater than or equal to 0. in "
            "[terms]");
      }
      agg->min_doc_count = v.GetInt64();
    } else if (key == "order") {
      SLUICE_ASSIGN_OR_RETURN(agg->order, ParseOrder(v));
    } else if (key == "missing") {
      if (v.IsString())
        agg->missing_text = v.GetString();
      else if (v.IsNumber())
        agg->missing_number = v.GetDouble();
      else if (v.IsBool())
        agg->missing_number = v.GetBool() ? 1 : 0;
      if (v.IsNumber()) agg->missing_text = std::to_string(v.GetDouble());
    } else if (key == "include" || key == "exclude") {
      SLUICE_RETURN_IF_ERROR(ParseIncludeExclude(v, key == "include", &agg->filter));
    } else if (key == "shard_size" || key == "shard_min_doc_count" || key == "execution_hint" ||
               key == "collect_mode" || key == "show_term_doc_count_error" || key == "value_type" ||
               key == "format") {
      continue;  // one shard: nothing to tune
    } else if (key == "script") {
      return util::InvalidArgument("[" + type + "] scripts are not supported by sluice");
    } else {
      return ParsingError("[" + type + "] unknown field [" + key + "]");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument(
        "Required one of fields [field, script], but none were "
        "specified. ");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseBucketAggregation(const std::string& type,
                                                                  const rapidjson::Value& body) {
  if (type == "terms" || type == "rare_terms") return ParseTerms(body, type == "rare_terms");
  SLUICE_ASSIGN_OR_RETURN(auto filtered, ParseFilterAggregation(type, body));
  if (filtered) return filtered;
  SLUICE_ASSIGN_OR_RETURN(auto histogram, ParseHistogramAggregation(type, body));
  if (histogram) return histogram;
  SLUICE_ASSIGN_OR_RETURN(auto composite, ParseCompositeAggregation(type, body));
  if (composite) return composite;
  SLUICE_ASSIGN_OR_RETURN(auto multi, ParseMultiTermsAggregation(type, body));
  if (multi) return multi;
  SLUICE_ASSIGN_OR_RETURN(auto significant, ParseSignificantAggregation(type, body));
  if (significant) return significant;
  return ParseAdaptiveHistogramAggregation(type, body);
}

}  // namespace sluice::search
