// multi_terms: a bucket per combination of the values of several fields
// (MultiTermsAggregator / InternalMultiTerms on one shard). A document with
// several values in a field counts once in each combination; a document
// with no value in a field (and no "missing" for it) is in no bucket.
#include <algorithm>
#include <map>
#include <set>

#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"

namespace sluice::search {
namespace {

using index::FieldType;
using util::ParsingError;
using util::Status;

// One element of a key: a string, or a number (with how to render it).
struct KeyPart {
  enum class Kind { kString, kLong, kDouble, kBool, kDate } kind = Kind::kString;
  std::string text;
  double number = 0;

  bool operator<(const KeyPart& o) const {
    if ((kind == Kind::kString) != (o.kind == Kind::kString)) return kind == Kind::kString;
    if (kind == Kind::kString) return text < o.text;
    return number < o.number;
  }
  bool operator==(const KeyPart& o) const {
    return kind == o.kind && text == o.text && number == o.number;
  }
  std::string AsString() const {
    switch (kind) {
      case Kind::kString:
        return text;
      case Kind::kLong:
        return std::to_string(static_cast<int64_t>(number));
      case Kind::kBool:
        return number != 0 ? "true" : "false";
      case Kind::kDate:
        return FormatDate(static_cast<int64_t>(number));
      case Kind::kDouble: {
        json::JsonWriter w;
        w.Double(number);
        return w.Take();
      }
    }
    return text;
  }
  void Write(json::JsonWriter& w) const {
    switch (kind) {
      case Kind::kString:
        w.String(text);
        break;
      case Kind::kDate:
        w.String(AsString());
        break;
      case Kind::kLong:
        w.Int(static_cast<int64_t>(number));
        break;
      case Kind::kBool:
        w.Bool(number != 0);
        break;
      case Kind::kDouble:
        w.Double(number);
        break;
    }
  }
};
using Key = std::vector<KeyPart>;

struct Source {
  std::string field;
  std::optional<KeyPart> missing;  // rendered as a string or a number, as given
};

struct Order {
  std::string path;  // _count, _key or a sub-aggregation path
  bool descending = true;
};

class MultiTermsAggregation : public Aggregation {
 public:
  std::vector<Source> sources;
  size_t size = 10;
  int64_t min_doc_count = 1;
  std::vector<Order> order = {{"_count", true}, {"_key", false}};

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    struct Bucket {
      uint64_t count = 0;
      std::vector<std::pair<size_t, ScoredDoc>> docs;
    };
    std::map<Key, Bucket> buckets;
    for (size_t s = 0; s < docs.size(); ++s) {
      const index::Index& index = *docs[s].index;
      std::vector<FieldRef> refs;
      for (const Source& src : sources) {
        SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(index, src.field));
        refs.push_back(ref);
      }
      for (const ScoredDoc& d : docs[s].docs) {
        std::vector<std::set<KeyPart, std::less<>>> parts(sources.size());
        bool complete = true;
        for (size_t f = 0; f < sources.size() && complete; ++f) {
          ForEachValue(index, d.doc, refs[f], [&](const index::Index::Value& v) {
            parts[f].insert(Part(refs[f], v));
          });
          if (parts[f].empty() && sources[f].missing) parts[f].insert(*sources[f].missing);
          complete = !parts[f].empty();
        }
        if (!complete) continue;
        std::set<Key> combos = {{}};
        for (const auto& p : parts) {
          std::set<Key> next;
          for (const Key& k : combos) {
            for (const KeyPart& part : p) {
              Key longer = k;
              longer.push_back(part);
              next.insert(std::move(longer));
            }
          }
          combos = std::move(next);
        }
        for (const Key& k : combos) {
          Bucket& b = buckets[k];
          ++b.count;
          if (!subs.empty()) b.docs.push_back({s, d});
        }
      }
    }
    struct Row {
      const Key* key;
      const Bucket* bucket;
      std::vector<double> values;  // sub-aggregation order values
    };
    std::vector<Row> rows;
    for (const auto& [key, b] : buckets) {
      if (static_cast<int64_t>(b.count) < min_doc_count) continue;
      Row r{&key, &b, {}};
      DocSet set = DocsOf(docs, b.docs);
      for (const Order& o : order) {
        if (o.path == "_count" || o.path == "_key") continue;
        SLUICE_ASSIGN_OR_RETURN(double v, SubOrderValue(*this, set, o.path));
        r.values.push_back(v);
      }
      rows.push_back(std::move(r));
    }
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      size_t sub = 0;
      for (const Order& o : order) {
        int c = 0;
        if (o.path == "_count") {
          c = a.bucket->count < b.bucket->count ? -1 : a.bucket->count > b.bucket->count;
        } else if (o.path == "_key") {
          c = *a.key < *b.key ? -1 : *b.key < *a.key;
        } else {
          double x = a.values[sub], y = b.values[sub];
          ++sub;
          c = x < y ? -1 : x > y;
        }
        if (c != 0) return o.descending ? c > 0 : c < 0;
      }
      return *a.key < *b.key;
    });
    size_t shown = std::min(rows.size(), size);
    uint64_t other = 0;
    for (size_t i = shown; i < rows.size(); ++i) other += rows[i].bucket->count;
    w.StartObject().Key("doc_count_error_upper_bound").Int(0);
    w.Key("sum_other_doc_count").Uint(other).Key("buckets").StartArray();
    for (size_t i = 0; i < shown; ++i) {
      const Key& key = *rows[i].key;
      w.StartObject().Key("key").StartArray();
      std::string as_string;
      for (size_t p = 0; p < key.size(); ++p) {
        key[p].Write(w);
        as_string += (p ? "|" : "") + key[p].AsString();
      }
      w.EndArray().Key("key_as_string").String(as_string);
      DocSet set = subs.empty() ? DocSet() : DocsOf(docs, rows[i].bucket->docs);
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, rows[i].bucket->count, w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }

 private:
  static KeyPart Part(const FieldRef& ref, const index::Index::Value& v) {
    KeyPart p;
    if (ref.is_string()) {
      p.text = v.text;
      return p;
    }
    p.number = v.number;
    if (ref.type == FieldType::kBoolean) {
      p.kind = KeyPart::Kind::kBool;
    } else if (ref.type == FieldType::kDate) {
      p.kind = KeyPart::Kind::kDate;
    } else {
      p.kind = index::IsIntegral(ref.type) ? KeyPart::Kind::kLong : KeyPart::Kind::kDouble;
    }
    return p;
  }
  static DocSet DocsOf(const DocSet& docs, const std::vector<std::pair<size_t, ScoredDoc>>& in) {
    DocSet set;
    for (const Segment& seg : docs) set.push_back({seg.index, {}});
    for (const auto& [s, d] : in) set[s].docs.push_back(d);
    return set;
  }
};

util::Status ParseOrderEntry(const rapidjson::Value& o, std::vector<Order>& out) {
  if (!o.IsObject()) return ParsingError("[order] must be an object or an array of objects");
  for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
    std::string dir = it->value.IsString() ? it->value.GetString() : "";
    if (dir != "asc" && dir != "desc") {
      return ParsingError("Unknown order direction [" + dir + "]");
    }
    out.push_back({it->name.GetString(), dir == "desc"});
  }
  return Status::Ok();
}

util::Result<std::unique_ptr<Aggregation>> ParseMultiTerms(const rapidjson::Value& body) {
  auto agg = std::make_unique<MultiTermsAggregation>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "terms") {
      if (!v.IsArray()) return ParsingError("[multi_terms] [terms] must be an array");
      for (const auto& t : v.GetArray()) {
        if (!t.IsObject()) return ParsingError("[multi_terms] [terms] entries must be objects");
        Source src;
        for (auto m = t.MemberBegin(); m != t.MemberEnd(); ++m) {
          std::string k = m->name.GetString();
          if (k == "field" && m->value.IsString()) {
            src.field = m->value.GetString();
          } else if (k == "missing") {
            KeyPart p;
            if (m->value.IsString()) {
              p.text = m->value.GetString();
            } else if (m->value.IsNumber()) {
              p.number = m->value.GetDouble();
              p.kind = m->value.IsInt64() ? KeyPart::Kind::kLong : KeyPart::Kind::kDouble;
            } else if (m->value.IsBool()) {
              p.number = m->value.GetBool();
              p.kind = KeyPart::Kind::kBool;
            }
            src.missing = p;
          } else if (k == "value_type" || k == "format") {
            continue;
          } else if (k == "script") {
            return util::InvalidArgument("[multi_terms] scripts are not supported by sluice");
          } else {
            return ParsingError("[multi_terms] unknown field [" + k + "]");
          }
        }
        if (src.field.empty()) {
          return util::InvalidArgument(
              "Required one of fields [field, script], but none were specified.");
        }
        agg->sources.push_back(std::move(src));
      }
    } else if (key == "size") {
      if (!v.IsInt() || v.GetInt() <= 0) {
        return util::InvalidArgument("[size] must be greater than 0. Found [" +
                                     std::string(v.IsInt() ? std::to_string(v.GetInt()) : "?") +
                                     "] in [multi_terms]");
      }
      agg->size = static_cast<size_t>(v.GetInt());
    } else if (key == "min_doc_count") {
      if (!v.IsInt64() || v.GetInt64() < 0) {
        return util::InvalidArgument("[min_doc_count] must be greater than or equal to 0. in [multi_terms]");
      }
      agg->min_doc_count = v.GetInt64();
    } else if (key == "order") {
      std::vector<Order> order;
      if (v.IsArray()) {
        for (const auto& o : v.GetArray()) SLUICE_RETURN_IF_ERROR(ParseOrderEntry(o, order));
      } else {
        SLUICE_RETURN_IF_ERROR(ParseOrderEntry(v, order));
      }
      agg->order = std::move(order);
    } else if (key == "shard_size" || key == "shard_min_doc_count" || key == "collect_mode" ||
               key == "show_term_doc_count_error") {
      continue;  // one shard: nothing to tune
    } else {
      return ParsingError("[multi_terms] unknown field [" + key + "]");
    }
  }
  if (agg->sources.size() < 2) {
    return util::InvalidArgument("The [terms] parameter in the aggregation [multi_terms] must be present and have at least 2 terms.");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseMultiTermsAggregation(const std::string& type,
                                                                      const rapidjson::Value& body) {
  if (type == "multi_terms") return ParseMultiTerms(body);
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
