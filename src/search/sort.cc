#include "search/sort.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "index/date_parse.h"
#include "index/typed_values.h"
#include "json/json_writer.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using index::FieldType;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Integral sort values are Java longs in OpenSearch: dates, booleans and the
// integer types; averages and medians are rounded as Math.round does.
bool RendersAsLong(FieldType t) {
  return index::IsIntegral(t) || index::IsDateLike(t) || t == FieldType::kBoolean;
}

// A stored value as its sort key: date_nanos sort on epoch nanos (as
// OpenSearch's sort values show them), the others on the stored number.
double SortNumber(const index::Index::Value& v, FieldType type) {
  if (type == FieldType::kDateNanos) {
    int64_t nanos = 0;
    std::from_chars(v.text.data(), v.text.data() + v.text.size(), nanos);
    return static_cast<double>(nanos);
  }
  return v.number;
}

std::optional<double> ParamNumber(const SortParam& p, FieldType type) {
  switch (p.kind) {
    case SortParam::Kind::kNumber:
      return p.number;
    case SortParam::Kind::kBool:
      return p.number;
    case SortParam::Kind::kString:
      if (type == FieldType::kDate) {
        if (auto ms = index::ParseDateMillis(p.text)) return static_cast<double>(*ms);
        return std::nullopt;
      }
      if (type == FieldType::kDateNanos) {
        // search_after gives the sort value (nanos); missing may be a date.
        if (auto nanos = index::ParseDateNanos(p.text); nanos && p.text.find('-') != std::string::npos) {
          return static_cast<double>(*nanos);
        }
      }
      if (type == FieldType::kBoolean) {
        if (p.text == "true") return 1.0;
        if (p.text == "false") return 0.0;
        return std::nullopt;
      }
      try {
        size_t used = 0;
        double d = std::stod(p.text, &used);
        if (used == p.text.size()) return d;
      } catch (...) {
      }
      return std::nullopt;
    case SortParam::Kind::kNull:
      return std::nullopt;
  }
  return std::nullopt;
}

double Reduce(std::vector<double>& values, SortField::Mode mode, bool descending, bool round) {
  if (mode == SortField::Mode::kDefault) {
    mode = descending ? SortField::Mode::kMax : SortField::Mode::kMin;
  }
  switch (mode) {
    case SortField::Mode::kMin:
      return *std::min_element(values.begin(), values.end());
    case SortField::Mode::kMax:
      return *std::max_element(values.begin(), values.end());
    case SortField::Mode::kSum: {
      double sum = 0;
      for (double v : values) sum += v;
      return sum;
    }
    case SortField::Mode::kAvg: {
      double sum = 0;
      for (double v : values) sum += v;
      double avg = sum / static_cast<double>(values.size());
      return round ? std::floor(avg + 0.5) : avg;
    }
    case SortField::Mode::kMedian: {
      std::sort(values.begin(), values.end());
      size_t n = values.size();
      double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
      return round ? std::floor(median + 0.5) : median;
    }
    case SortField::Mode::kDefault:
      break;
  }
  return values.front();
}

void RenderLong(double v, json::JsonWriter& w) {
  if (v >= 9.2233720368547758e18) {
    w.Int(std::numeric_limits<int64_t>::max());
  } else if (v <= -9.2233720368547758e18) {
    w.Int(std::numeric_limits<int64_t>::min());
  } else {
    w.Int(static_cast<int64_t>(v));
  }
}

}  // namespace

bool SortSpec::uses_score() const {
  return std::any_of(fields_.begin(), fields_.end(),
                     [](const SortField& f) { return f.target == SortField::Target::kScore; });
}

bool SortSpec::leads_with_score_desc() const {
  return !fields_.empty() && fields_[0].target == SortField::Target::kScore &&
         fields_[0].descending;
}

util::Result<SortSpec::Bound> SortSpec::Bind(const index::Index& index) const {
  Bound bound;
  for (const SortField& f : fields_) {
    Bound::Resolved r;
    r.spec = &f;
    if (f.target == SortField::Target::kField) {
      if (f.field == "_id") {
        r.is_id = true;
      } else {
        const index::FieldMapping* mapping = index.mapping().Find(f.field);
        if (mapping == nullptr || index::IsContainer(mapping->type)) {
          if (!f.unmapped_type) {
            return QueryShardError(index,
                                   "No mapping found for [" + f.field + "] in order to sort on");
          }
          auto type = index::ParseFieldType(*f.unmapped_type);
          if (!type) {
            return QueryShardError(index, "No mapper found for type [" + *f.unmapped_type + "]");
          }
          r.type = *type;
        } else {
          r.type = mapping->type;
          r.field_id = index.FieldId(f.field);
        }
        if (index::IsTextual(r.type)) {
          return ShardIllegalArgument(
              index,
              "Text fields are not optimised for operations that require per-document field data "
              "like aggregations and sorting, so these operations are disabled by default. Please "
              "use a keyword field instead. Alternatively, set fielddata=true on [" +
                  f.field +
                  "] in order to load field data by uninverting the inverted index. Note that this "
                  "can use significant memory.");
        }
        if (r.type == FieldType::kKnnVector) {
          return ShardIllegalArgument(
              index, "Field [" + f.field + "] of type [knn_vector] " + "doesn't support sort");
        }
      }
      bool numeric = !r.is_string();
      if (!numeric && (f.mode == SortField::Mode::kAvg || f.mode == SortField::Mode::kSum ||
                       f.mode == SortField::Mode::kMedian)) {
        return QueryShardError(index, "we only support AVG, MEDIAN and SUM on number based fields");
      }
      if (f.missing == SortField::Missing::kValue && numeric &&
          !ParamNumber(f.missing_value, r.type)) {
        return ShardIllegalArgument(index, "failed to parse value [" + f.missing_value.text +
                                               "] for [missing] of field [" + f.field + "]");
      }
    }
    bound.keys_.push_back(r);
  }
  return bound;
}

std::vector<SortKey> SortSpec::Bound::Keys(const index::Index& index, index::DocNo doc,
                                           float score) const {
  std::vector<SortKey> keys;
  keys.reserve(keys_.size());
  std::vector<double> numbers;
  for (const Resolved& r : keys_) {
    const SortField& f = *r.spec;
    SortKey key;
    if (f.target == SortField::Target::kScore) {
      key.number = score;
    } else if (f.target == SortField::Target::kDoc) {
      key.number = doc;
    } else if (r.is_id) {
      key.text = index.id(doc);
    } else if (r.is_string()) {
      // min unless the mode or a descending order asks for max.
      bool want_max =
          f.mode == SortField::Mode::kMax || (f.mode == SortField::Mode::kDefault && f.descending);
      const std::string* best = nullptr;
      if (r.field_id) {
        for (const auto& v : index.values(doc)) {
          if (v.field != *r.field_id) continue;
          if (best == nullptr || (want_max ? v.text > *best : v.text < *best)) best = &v.text;
        }
      }
      if (best != nullptr) {
        key.text = *best;
      } else if (f.missing == SortField::Missing::kValue) {
        key.text = f.missing_value.text;
      } else {
        key.missing = true;
      }
    } else {
      numbers.clear();
      if (r.field_id) {
        for (const auto& v : index.values(doc)) {
          if (v.field == *r.field_id) numbers.push_back(SortNumber(v, r.type));
        }
      }
      if (!numbers.empty()) {
        key.number = Reduce(numbers, f.mode, f.descending, RendersAsLong(r.type));
      } else {
        key.missing = true;
        if (f.missing == SortField::Missing::kValue) {
          key.number = *ParamNumber(f.missing_value, r.type);  // checked by Bind
        } else {
          bool last = f.missing == SortField::Missing::kLast;
          key.number = (last != f.descending) ? kInf : -kInf;
        }
      }
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

int SortSpec::Bound::Compare(const std::vector<SortKey>& a, const std::vector<SortKey>& b) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    const Resolved& r = keys_[i];
    const SortField& f = *r.spec;
    int c = 0;
    if (f.target == SortField::Target::kField && r.is_string()) {
      if (a[i].missing || b[i].missing) {
        if (a[i].missing && b[i].missing) continue;
        // Missing strings go first or last whatever the order.
        bool a_first = a[i].missing == (f.missing == SortField::Missing::kFirst);
        return a_first ? -1 : 1;
      }
      c = a[i].text.compare(b[i].text);
      c = c < 0 ? -1 : (c > 0 ? 1 : 0);
    } else {
      c = a[i].number < b[i].number ? -1 : (a[i].number > b[i].number ? 1 : 0);
    }
    if (c != 0) return f.descending ? -c : c;
  }
  return 0;
}

util::Result<std::vector<SortKey>> SortSpec::Bound::AfterKeys(
    const std::vector<SortParam>& after) const {
  if (after.size() != keys_.size()) {
    return util::InvalidArgument("search_after has " + std::to_string(after.size()) +
                                 " value(s) but sort has " + std::to_string(keys_.size()) + ".");
  }
  std::vector<SortKey> keys;
  for (size_t i = 0; i < after.size(); ++i) {
    const Resolved& r = keys_[i];
    const SortParam& p = after[i];
    SortKey key;
    if (r.spec->target == SortField::Target::kField && r.is_string()) {
      if (p.kind == SortParam::Kind::kNull) {
        key.missing = true;
      } else {
        key.text = p.text;
      }
    } else {
      FieldType type = r.spec->target == SortField::Target::kField ? r.type : FieldType::kDouble;
      auto n = ParamNumber(p, type);
      if (!n) {
        return util::InvalidArgument(
            "Failed to parse search_after value for field [" +
            (r.spec->target == SortField::Target::kField
                 ? r.spec->field
                 : std::string(r.spec->target == SortField::Target::kScore ? "_score" : "_doc")) +
            "].");
      }
      key.number = *n;
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

void SortSpec::Bound::Render(const std::vector<SortKey>& keys, json::JsonWriter& w) const {
  w.StartArray();
  for (size_t i = 0; i < keys_.size(); ++i) {
    const Resolved& r = keys_[i];
    const SortKey& k = keys[i];
    switch (r.spec->target) {
      case SortField::Target::kScore:
        w.Float(static_cast<float>(k.number));
        break;
      case SortField::Target::kDoc:
        w.Int(static_cast<int64_t>(k.number));
        break;
      case SortField::Target::kField:
        if (r.is_string()) {
          if (k.missing)
            w.Null();
          else
            w.String(k.text);
        } else if (r.type == FieldType::kUnsignedLong && !std::isinf(k.number)) {
          w.Raw(index::IntegralText(k.number, r.type));
        } else if (RendersAsLong(r.type)) {
          RenderLong(k.number, w);
        } else if (std::isinf(k.number)) {
          w.String(k.number > 0 ? "Infinity" : "-Infinity");
        } else if (r.type == FieldType::kDouble || r.type == FieldType::kScaledFloat) {
          w.Double(k.number);
        } else {
          w.Float(static_cast<float>(k.number));
        }
        break;
    }
  }
  w.EndArray();
}

}  // namespace sluice::search
