// significant_terms and significant_text: the terms of a bucket's documents
// (the foreground) that are more frequent there than in the whole index (the
// background), scored by a significance heuristic (SignificantTermsAggregator
// and InternalSignificantTerms on one shard).
//
// Keyword, numeric and boolean fields read their doc values. Text fields are
// re-analyzed from _source with the field's index analyzer, as
// significant_text does, and their background frequencies are the inverted
// index's document frequencies; significant_terms on a text field does the
// same (OpenSearch needs fielddata there, which is those same terms).
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "index/field_type.h"
#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"
#include "text/analyzer.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

// JLH (default) and percentage; the others are refused at parse time.
enum class Heuristic { kJlh, kPercentage };

double Score(Heuristic h, double subset_freq, double subset_size, double superset_freq,
             double superset_size) {
  if (h == Heuristic::kPercentage) return superset_freq == 0 ? 0 : subset_freq / superset_freq;
  if (subset_size == 0 || superset_size == 0 || superset_freq == 0) return 0;
  double subset_p = subset_freq / subset_size;
  double superset_p = superset_freq / superset_size;
  double absolute = subset_p - superset_p;
  if (absolute <= 0) return 0;
  return absolute * (subset_p / superset_p);
}

// Lucene's LevenshteinDistance similarity: 1 - distance / longer length.
float Similarity(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  size_t longer = std::max(a.size(), b.size());
  return longer == 0 ? 1.0f
                     : 1.0f - static_cast<float>(prev[b.size()]) / static_cast<float>(longer);
}

// " did you mean [x]?" as OpenSearch's SuggestingErrorOnUnknown words it.
std::string DidYouMean(const std::string& unknown, const std::vector<std::string>& candidates) {
  std::vector<std::pair<float, std::string>> scored;
  for (const auto& c : candidates) {
    float s = Similarity(unknown, c);
    if (s > 0.5f) scored.emplace_back(s, c);
  }
  if (scored.empty()) return "";
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  if (scored.size() == 1) return " did you mean [" + scored[0].second + "]?";
  std::string out = " did you mean any of [";
  for (size_t i = 0; i < scored.size(); ++i) out += (i ? ", " : "") + scored[i].second;
  return out + "]?";
}

// The string values at a dotted path of a JSON source (arrays flattened).
void CollectStrings(const rapidjson::Value& v, std::string_view path,
                    std::vector<std::string>& out) {
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) CollectStrings(e, path, out);
    return;
  }
  if (path.empty()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return;
  }
  if (!v.IsObject()) return;
  // A dotted path names nested objects or a literal dotted key: try each split.
  for (size_t end = path.find('.');; end = path.find('.', end + 1)) {
    std::string head(path.substr(0, end));
    auto it = v.FindMember(head.c_str());
    if (it != v.MemberEnd()) {
      CollectStrings(it->value, end == std::string_view::npos ? "" : path.substr(end + 1), out);
    }
    if (end == std::string_view::npos) break;
  }
}

class SignificantTermsAggregation : public Aggregation {
 public:
  std::string field;
  size_t size = 10;
  int64_t min_doc_count = 3;
  Heuristic heuristic = Heuristic::kJlh;
  bool text_only = false;  // significant_text
  std::set<std::string> include, exclude;

  std::string TypedName(const DocSet& docs) const override {
    for (const Segment& seg : docs) {
      const index::FieldMapping* m = seg.index->mapping().Find(field);
      if (m == nullptr) continue;
      if (m->type == index::FieldType::kKeyword || m->type == index::FieldType::kText) {
        return "sigsterms";
      }
      return "siglterms";
    }
    return text_only ? "sigsterms" : "umsigterms";
  }

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    struct Term {
      uint64_t subset = 0;
      uint64_t superset = 0;
      double number = 0;
      bool numeric = false;
      std::vector<std::pair<size_t, ScoredDoc>> docs;
    };
    std::map<std::string, Term> terms;
    uint64_t subset_size = 0, superset_size = 0;
    const bool need_docs = !subs.empty();
    for (size_t s = 0; s < docs.size(); ++s) {
      const index::Index& index = *docs[s].index;
      subset_size += docs[s].docs.size();
      for (index::DocNo d = 0; d < index.max_doc(); ++d) superset_size += index.live(d);
      const index::FieldMapping* m = index.mapping().Find(field);
      if (m == nullptr) continue;
      if (m->type == index::FieldType::kText) {
        const text::Analyzer& analyzer = index.IndexAnalyzer(field);
        for (const ScoredDoc& d : docs[s].docs) {
          SLUICE_ASSIGN_OR_RETURN(auto stored, index.Load(d.doc));
          if (!stored) continue;
          rapidjson::Document src;
          src.Parse(stored->source.c_str());
          std::vector<std::string> texts;
          if (!src.HasParseError()) CollectStrings(src, field, texts);
          std::set<std::string> seen;
          for (const auto& t : texts) {
            for (const auto& tok : analyzer.Analyze(t)) seen.insert(tok.term);
          }
          for (const auto& t : seen) {
            Term& term = terms[t];
            ++term.subset;
            if (need_docs) term.docs.push_back({s, d});
          }
        }
        for (auto& [t, term] : terms) {
          SLUICE_ASSIGN_OR_RETURN(int64_t df, index.text_index().DocFreq(field, t));
          term.superset += static_cast<uint64_t>(df);
        }
        continue;
      }
      if (text_only) {
        return util::InvalidArgument("Field [" + field + "] of type [" +
                                     std::string(index::FieldTypeName(m->type)) +
                                     "] is not supported for aggregation [significant_text]");
      }
      SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(index, field));
      auto key_of = [&](const index::Index::Value& v, bool* numeric) {
        *numeric = !ref.is_string();
        if (ref.is_string()) return v.text;
        if (index::IsIntegral(ref.type) || ref.type == index::FieldType::kDate ||
            ref.type == index::FieldType::kBoolean) {
          return std::to_string(static_cast<int64_t>(v.number));
        }
        json::JsonWriter k;
        k.Double(v.number);
        return k.Take();
      };
      std::vector<bool> in_subset(index.max_doc(), false);
      for (const ScoredDoc& d : docs[s].docs) {
        in_subset[d.doc] = true;
        std::set<std::string> seen;
        ForEachValue(index, d.doc, ref, [&](const index::Index::Value& v) {
          bool numeric = false;
          std::string key = key_of(v, &numeric);
          if (!seen.insert(key).second) return;
          Term& term = terms[key];
          term.numeric = numeric;
          term.number = v.number;
          ++term.subset;
          if (need_docs) term.docs.push_back({s, d});
        });
      }
      for (index::DocNo d = 0; d < index.max_doc(); ++d) {
        if (!index.live(d)) continue;
        std::set<std::string> seen;
        ForEachValue(index, d, ref, [&](const index::Index::Value& v) {
          bool numeric = false;
          std::string key = key_of(v, &numeric);
          if (!seen.insert(key).second) return;
          auto it = terms.find(key);
          if (it != terms.end()) ++it->second.superset;
        });
      }
    }
    struct Scored {
      const std::string* key;
      const Term* term;
      double score;
    };
    std::vector<Scored> ranked;
    for (const auto& [key, term] : terms) {
      if ((!include.empty() && !include.count(key)) || exclude.count(key)) continue;
      double score = Score(heuristic, static_cast<double>(term.subset),
                           static_cast<double>(subset_size), static_cast<double>(term.superset),
                           static_cast<double>(superset_size));
      if (score > 0 && static_cast<int64_t>(term.subset) >= min_doc_count) {
        ranked.push_back({&key, &term, score});
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Scored& a, const Scored& b) { return a.score > b.score; });
    if (ranked.size() > size) ranked.resize(size);
    BucketDocs buckets(docs, ranked.size());
    w.StartObject().Key("doc_count").Uint(subset_size).Key("bg_count").Uint(superset_size);
    w.Key("buckets").StartArray();
    for (size_t i = 0; i < ranked.size(); ++i) {
      const Term& t = *ranked[i].term;
      for (const auto& [s, d] : t.docs) buckets.Add(i, s, d);
      w.StartObject().Key("key");
      if (t.numeric)
        w.Int(static_cast<int64_t>(t.number));
      else
        w.String(*ranked[i].key);
      w.Key("doc_count").Uint(t.subset).Key("score").Double(ranked[i].score);
      w.Key("bg_count").Uint(t.superset);
      SLUICE_RETURN_IF_ERROR(WriteSubs(*this, buckets[i], w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }
};

const std::vector<std::string>& Fields(bool text) {
  static const std::vector<std::string> kTerms = {
      "field", "size", "shard_size", "min_doc_count", "shard_min_doc_count", "include", "exclude",
      "execution_hint", "background_filter", "jlh", "mutual_information", "chi_square", "gnd",
      "percentage", "script_heuristic", "missing", "script", "value_type", "format"};
  static const std::vector<std::string> kText = {
      "field", "size", "shard_size", "min_doc_count", "shard_min_doc_count", "include", "exclude",
      "background_filter", "jlh", "mutual_information", "chi_square", "gnd", "percentage",
      "script_heuristic", "filter_duplicate_text", "source_fields"};
  return text ? kText : kTerms;
}

util::Status ParseList(const rapidjson::Value& v, const std::string& type, const char* key,
                       std::set<std::string>& out) {
  if (!v.IsArray()) {
    return util::InvalidArgument("[" + std::string(key) + "] of [" + type +
                                 "] as a regular expression is not supported by sluice");
  }
  for (const auto& e : v.GetArray()) {
    if (e.IsString()) {
      out.insert(e.GetString());
    } else if (e.IsNumber()) {
      out.insert(e.IsInt64() ? std::to_string(e.GetInt64()) : std::to_string(e.GetDouble()));
    }
  }
  return Status::Ok();
}

util::Result<std::unique_ptr<Aggregation>> ParseSignificant(const std::string& type,
                                                            const rapidjson::Value& body) {
  auto agg = std::make_unique<SignificantTermsAggregation>();
  agg->text_only = type == "significant_text";
  const auto& known = Fields(agg->text_only);
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return ParsingError("[" + type + "] unknown field [" + key + "]" + DidYouMean(key, known));
    }
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "size" && v.IsInt() && v.GetInt() > 0) {
      agg->size = static_cast<size_t>(v.GetInt());
    } else if (key == "min_doc_count" && v.IsInt64() && v.GetInt64() >= 0) {
      agg->min_doc_count = v.GetInt64();
    } else if (key == "shard_size" || key == "shard_min_doc_count" || key == "execution_hint") {
      continue;  // one shard: the shard-level limits change nothing
    } else if (key == "jlh" && v.IsObject() && v.ObjectEmpty()) {
      agg->heuristic = Heuristic::kJlh;
    } else if (key == "percentage" && v.IsObject() && v.ObjectEmpty()) {
      agg->heuristic = Heuristic::kPercentage;
    } else if (key == "include" || key == "exclude") {
      SLUICE_RETURN_IF_ERROR(ParseList(v, type, key.c_str(),
                                       key == "include" ? agg->include : agg->exclude));
    } else if (key == "filter_duplicate_text" && v.IsBool() && !v.GetBool()) {
      continue;
    } else {
      return util::InvalidArgument("[" + key + "] of [" + type + "] is not supported by sluice");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument("Required one of fields [field, script], but none were specified. ");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseSignificantAggregation(
    const std::string& type, const rapidjson::Value& body) {
  if (type == "significant_terms" || type == "significant_text") return ParseSignificant(type, body);
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
