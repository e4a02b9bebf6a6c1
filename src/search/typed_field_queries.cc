#include "search/typed_field_queries.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "index/date_parse.h"
#include "index/typed_values.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using index::FieldType;
using index::Index;

template <typename Match>
DocList Scan(const Index& index, const std::string& path, float boost, Match match) {
  DocList out;
  auto id = index.FieldId(path);
  if (!id) return out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    for (const auto& v : index.values(doc)) {
      if (v.field == *id && match(v)) {
        out.push_back({doc, boost});
        break;
      }
    }
  }
  return out;
}

DocList AllLive(const Index& index, float boost) {
  DocList out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (index.live(doc)) out.push_back({doc, boost});
  }
  return out;
}

// The exact value kept in a stored value's text (unsigned_long digits,
// date_nanos epoch nanos).
template <typename T>
T ExactOf(const Index::Value& v) {
  T out = 0;
  std::from_chars(v.text.data(), v.text.data() + v.text.size(), out);
  return out;
}

std::string TypeName(const index::FieldMapping& f) { return std::string(FieldTypeName(f.type)); }

// ---- unsigned_long ----

// A query value as an unsigned long: text as OpenSearch parses it, with a
// decimal part rounded toward the bound's side (`ceil` for lower bounds).
std::optional<uint64_t> UnsignedOf(const QueryValue& q, bool ceil) {
  auto parsed = index::ParseUnsignedLong(q.text, /*coerce=*/true);
  if (!parsed.ok()) return std::nullopt;
  uint64_t v = *parsed;
  if (ceil && q.text.find('.') != std::string::npos) {
    std::string_view frac = std::string_view(q.text).substr(q.text.find('.') + 1);
    if (frac.find_first_not_of('0') != std::string_view::npos && v != UINT64_MAX) ++v;
  }
  return v;
}

util::Result<DocList> UnsignedTerms(const Index& index, const index::FieldMapping& field,
                                    const std::string& path, const std::vector<QueryValue>& values,
                                    float boost) {
  std::vector<uint64_t> wanted;
  for (const auto& q : values) {
    auto parsed = index::ParseUnsignedLong(q.text, /*coerce=*/true);
    if (!parsed.ok()) {
      // Out of range or negative: matches nothing, as OpenSearch's term query.
      if (parsed.status().type() == "number_format_exception") {
        return ShardError(index, "failed to parse value [" + q.text + "] for field [" + path +
                                     "] of type [" + TypeName(field) + "]");
      }
      continue;
    }
    // A value with a decimal part is no unsigned long: no match.
    if (q.text.find('.') != std::string::npos &&
        std::string_view(q.text).substr(q.text.find('.') + 1).find_first_not_of('0') !=
            std::string_view::npos) {
      continue;
    }
    wanted.push_back(*parsed);
  }
  return Scan(index, path, boost, [&](const Index::Value& v) {
    uint64_t x = ExactOf<uint64_t>(v);
    return std::find(wanted.begin(), wanted.end(), x) != wanted.end();
  });
}

util::Result<DocList> UnsignedRange(const Index& index, const std::string& path,
                                    const std::optional<RangeQuery::Bound>& lower,
                                    const std::optional<RangeQuery::Bound>& upper, float boost) {
  uint64_t lo = 0, hi = UINT64_MAX;
  if (lower) {
    const std::string& t = lower->value.text;
    bool negative = !t.empty() && t[0] == '-';
    auto v = negative ? std::optional<uint64_t>(0) : UnsignedOf(lower->value, /*ceil=*/true);
    if (!v) return DocList();
    lo = *v;
    bool exact = t.find('.') == std::string::npos || negative;
    if (!lower->inclusive && exact && !negative) {
      if (lo == UINT64_MAX) return DocList();
      ++lo;
    }
  }
  if (upper) {
    const std::string& t = upper->value.text;
    if (!t.empty() && t[0] == '-') return DocList();
    auto v = UnsignedOf(upper->value, /*ceil=*/false);
    if (!v) return DocList();
    hi = *v;
    bool exact = t.find('.') == std::string::npos;
    if (!upper->inclusive && exact) {
      if (hi == 0) return DocList();
      --hi;
    }
  }
  return Scan(index, path, boost, [&](const Index::Value& v) {
    uint64_t x = ExactOf<uint64_t>(v);
    return x >= lo && x <= hi;
  });
}

// ---- date_nanos ----

std::optional<int64_t> NanosOf(const QueryValue& q) {
  if (q.kind == QueryValue::Kind::kNumber) {
    return static_cast<int64_t>(q.number) * 1000000;  // epoch_millis
  }
  return index::ParseDateNanos(q.text);
}

util::Result<DocList> NanosTerms(const Index& index, const index::FieldMapping& field,
                                 const std::string& path, const std::vector<QueryValue>& values,
                                 float boost) {
  std::vector<int64_t> wanted;
  for (const auto& q : values) {
    auto n = NanosOf(q);
    if (!n) {
      return ShardError(index, "failed to parse date field [" + q.text +
                                   "] with format [strict_date_optional_time||epoch_millis]");
    }
    wanted.push_back(*n);
  }
  (void)field;
  return Scan(index, path, boost, [&](const Index::Value& v) {
    return std::find(wanted.begin(), wanted.end(), ExactOf<int64_t>(v)) != wanted.end();
  });
}

util::Result<DocList> NanosRange(const Index& index, const std::string& path,
                                 const std::optional<RangeQuery::Bound>& lower,
                                 const std::optional<RangeQuery::Bound>& upper, float boost) {
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  for (auto [bound, out, step] : {std::tuple{&lower, &lo, 1}, std::tuple{&upper, &hi, -1}}) {
    if (!*bound) continue;
    auto n = NanosOf((*bound)->value);
    if (!n) {
      return ShardError(index, "failed to parse date field [" + (*bound)->value.text +
                                   "] with format [strict_date_optional_time||epoch_millis]");
    }
    *out = (*bound)->inclusive ? *n : *n + step;
  }
  return Scan(index, path, boost, [&](const Index::Value& v) {
    int64_t x = ExactOf<int64_t>(v);
    return x >= lo && x <= hi;
  });
}

// ---- ip ----

util::Result<DocList> IpTerms(const Index& index, const std::string& path,
                              const std::vector<QueryValue>& values, float boost) {
  std::vector<index::IpRange> wanted;
  for (const auto& q : values) {
    auto r = index::ParseIpOrCidr(q.text);
    if (!r.ok()) return ShardError(index, r.status().reason());
    wanted.push_back(*r);
  }
  return Scan(index, path, boost, [&](const Index::Value& v) {
    auto ip = index::ParseIp(v.text);
    if (!ip) return false;
    return std::any_of(wanted.begin(), wanted.end(),
                       [&](const index::IpRange& r) { return *ip >= r.lo && *ip <= r.hi; });
  });
}

util::Result<DocList> IpRangeQuery(const Index& index, const std::string& path,
                                   const std::optional<RangeQuery::Bound>& lower,
                                   const std::optional<RangeQuery::Bound>& upper, float boost) {
  index::IpAddress lo{}, hi;
  hi.fill(0xff);
  for (auto [bound, out, is_lower] :
       {std::tuple{&lower, &lo, true}, std::tuple{&upper, &hi, false}}) {
    if (!*bound) continue;
    auto ip = index::ParseIp((*bound)->value.text);
    if (!ip) {
      return ShardError(index, "'" + (*bound)->value.text + "' is not an IP string literal.");
    }
    *out = *ip;
    if (!(*bound)->inclusive) {
      // The next (previous) address: a 128-bit increment (decrement).
      index::IpAddress& a = *out;
      index::IpAddress edge;
      edge.fill(is_lower ? 0xff : 0x00);
      if (a == edge) return DocList();
      for (int i = 15; i >= 0; --i) {
        if (is_lower ? a[i]++ != 0xff : a[i]-- != 0x00) break;
      }
    }
  }
  return Scan(index, path, boost, [&](const Index::Value& v) {
    auto ip = index::ParseIp(v.text);
    return ip && *ip >= lo && *ip <= hi;
  });
}

// ---- range fields ----

// A query value in a range field's domain (doubles; date_range: epoch millis).
std::optional<double> RangeDomainOf(const QueryValue& q, FieldType type) {
  if (type == FieldType::kDateRange) {
    if (q.kind == QueryValue::Kind::kNumber) return q.number;
    if (auto ms = index::ParseDateMillis(q.text)) return static_cast<double>(*ms);
    return std::nullopt;
  }
  if (q.kind == QueryValue::Kind::kNumber) return q.number;
  double d = 0;
  auto [end, ec] = std::from_chars(q.text.data(), q.text.data() + q.text.size(), d);
  if (ec != std::errc() || end != q.text.data() + q.text.size()) return std::nullopt;
  return d;
}

bool IntegralRange(FieldType t) {
  return t == FieldType::kIntegerRange || t == FieldType::kLongRange || t == FieldType::kDateRange;
}

util::Result<DocList> RangeFieldQuery(const Index& index, const index::FieldMapping& field,
                                      const std::string& path, double lo, double hi,
                                      const std::string& relation, float boost) {
  if (relation != "intersects" && relation != "within" && relation != "contains") {
    return util::ParsingError("[range] query does not support relation [" + relation + "]");
  }
  (void)field;
  return Scan(index, path, boost, [&](const Index::Value& v) {
    double a = 0, b = 0;
    if (!index::ParseRangeText(v.text, &a, &b)) return false;
    if (relation == "within") return a >= lo && b <= hi;
    if (relation == "contains") return a <= lo && b >= hi;
    return a <= hi && b >= lo;
  });
}

util::Result<DocList> RangeFieldRange(const Index& index, const index::FieldMapping& field,
                                      const std::string& path,
                                      const std::optional<RangeQuery::Bound>& lower,
                                      const std::optional<RangeQuery::Bound>& upper,
                                      const std::string& relation, float boost) {
  double lo = -INFINITY, hi = INFINITY;
  const bool integral = IntegralRange(field.type);
  for (auto [bound, out, is_lower] :
       {std::tuple{&lower, &lo, true}, std::tuple{&upper, &hi, false}}) {
    if (!*bound) continue;
    auto d = RangeDomainOf((*bound)->value, field.type);
    if (!d) {
      return ShardError(index, "failed to parse value [" + (*bound)->value.text +
                                   "] for range query on field [" + path + "]");
    }
    double x = *d;
    if (!(*bound)->inclusive) {
      x = integral ? x + (is_lower ? 1 : -1) : std::nextafter(x, is_lower ? INFINITY : -INFINITY);
    }
    *out = x;
  }
  return RangeFieldQuery(index, field, path, lo, hi, relation, boost);
}

}  // namespace

std::optional<util::Result<DocList>> TypedTerms(const Index& index,
                                                const index::FieldMapping& field,
                                                const std::string& path,
                                                const std::vector<QueryValue>& values,
                                                float boost) {
  switch (field.type) {
    case FieldType::kUnsignedLong:
      return UnsignedTerms(index, field, path, values, boost);
    case FieldType::kDateNanos:
      return NanosTerms(index, field, path, values, boost);
    case FieldType::kIp:
      return IpTerms(index, path, values, boost);
    case FieldType::kBinary:
      return util::Result<DocList>(ShardError(index, "Binary fields do not support searching"));
    case FieldType::kGeoPoint:
      return util::Result<DocList>(ShardError(
          index,
          "Geometry fields do not support exact searching, use dedicated geometry queries "
          "instead: [" +
              path + "]"));
    case FieldType::kConstantKeyword:
      for (const auto& q : values) {
        if (field.constant_value && q.text == *field.constant_value) return AllLive(index, boost);
      }
      return DocList();
    default:
      break;
  }
  if (index::IsRange(field.type) && field.type != FieldType::kIpRange) {
    DocList out;
    for (const auto& q : values) {
      auto d = RangeDomainOf(q, field.type);
      if (!d) {
        return util::Result<DocList>(
            ShardError(index, "failed to parse value [" + q.text + "] for field [" + path + "]"));
      }
      auto part = RangeFieldQuery(index, field, path, *d, *d, "intersects", boost);
      if (!part.ok()) return part;
      out.insert(out.end(), part->begin(), part->end());
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.doc < b.doc; });
    out.erase(std::unique(out.begin(), out.end(), [](auto& a, auto& b) { return a.doc == b.doc; }),
              out.end());
    return util::Result<DocList>(std::move(out));
  }
  return std::nullopt;
}

std::optional<util::Result<DocList>> TypedRange(const Index& index,
                                                const index::FieldMapping& field,
                                                const std::string& path,
                                                const std::optional<RangeQuery::Bound>& lower,
                                                const std::optional<RangeQuery::Bound>& upper,
                                                const std::string& relation, float boost) {
  switch (field.type) {
    case FieldType::kUnsignedLong:
      return UnsignedRange(index, path, lower, upper, boost);
    case FieldType::kDateNanos:
      return NanosRange(index, path, lower, upper, boost);
    case FieldType::kIp:
      return IpRangeQuery(index, path, lower, upper, boost);
    case FieldType::kBinary:
      return util::Result<DocList>(ShardError(index, "Binary fields do not support searching"));
    case FieldType::kConstantKeyword: {
      const std::string& v = field.constant_value.value_or("");
      if (lower) {
        int c = v.compare(lower->value.text);
        if (c < 0 || (c == 0 && !lower->inclusive)) return DocList();
      }
      if (upper) {
        int c = v.compare(upper->value.text);
        if (c > 0 || (c == 0 && !upper->inclusive)) return DocList();
      }
      return AllLive(index, boost);
    }
    default:
      break;
  }
  if (index::IsRange(field.type) && field.type != FieldType::kIpRange) {
    return RangeFieldRange(index, field, path, lower, upper, relation, boost);
  }
  return std::nullopt;
}

std::optional<util::Result<DocList>> TypedExists(const Index& index,
                                                 const index::FieldMapping& field, float boost) {
  if (field.type == FieldType::kConstantKeyword) return AllLive(index, boost);
  return std::nullopt;
}

}  // namespace sluice::search
