// Numeric and date bucketing: range, date_range, histogram, date_histogram.
#include <algorithm>
#include <cmath>
#include <map>

#include "index/date_parse.h"
#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"

namespace sluice::search {
namespace {

using index::FieldType;
using util::ParsingError;
using util::Status;

std::string DoubleText(double v) {
  json::JsonWriter w;
  w.Double(v);
  return w.Take();
}

// ---- range / date_range ----

struct Range {
  std::optional<std::string> key;
  std::optional<double> from, to;
};

class RangeAggregation : public Aggregation {
 public:
  std::string field;
  std::vector<Range> ranges;
  bool keyed = false;
  bool dates = false;

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    BucketDocs buckets(docs, ranges.size());
    std::vector<uint64_t> counts(ranges.size(), 0);
    bool is_date = dates;
    SLUICE_RETURN_IF_ERROR(ForEachNumber(
        docs, field, &is_date, [&](size_t s, const ScoredDoc& d, const std::vector<double>& vs) {
          for (size_t r = 0; r < ranges.size(); ++r) {
            for (double v : vs) {
              if ((!ranges[r].from || v >= *ranges[r].from) &&
                  (!ranges[r].to || v < *ranges[r].to)) {
                ++counts[r];
                buckets.Add(r, s, d);
                break;
              }
            }
          }
        }));
    auto text = [&](double v) {
      return is_date ? FormatDate(static_cast<int64_t>(v)) : DoubleText(v);
    };
    w.StartObject().Key("buckets");
    if (keyed)
      w.StartObject();
    else
      w.StartArray();
    for (size_t r = 0; r < ranges.size(); ++r) {
      const Range& range = ranges[r];
      std::string key = range.key ? *range.key
                                  : (range.from ? text(*range.from) : "*") + "-" +
                                        (range.to ? text(*range.to) : "*");
      if (keyed)
        w.Key(key).StartObject();
      else
        w.StartObject().Key("key").String(key);
      if (range.from) {
        w.Key("from").Double(*range.from);
        if (is_date) w.Key("from_as_string").String(text(*range.from));
      }
      if (range.to) {
        w.Key("to").Double(*range.to);
        if (is_date) w.Key("to_as_string").String(text(*range.to));
      }
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, buckets[r], counts[r], w));
      w.EndObject();
    }
    if (keyed)
      w.EndObject();
    else
      w.EndArray();
    w.EndObject();
    return Status::Ok();
  }
};

util::Result<std::optional<double>> Bound(const rapidjson::Value& v, bool dates) {
  if (v.IsNull()) return std::optional<double>();
  if (v.IsNumber()) return std::optional<double>(v.GetDouble());
  if (v.IsString()) {
    if (dates) {
      if (auto ms = index::ParseDateMillis(v.GetString())) {
        return std::optional<double>(static_cast<double>(*ms));
      }
      return ParsingError("failed to parse date field [" + std::string(v.GetString()) +
                          "] (date math is not supported by sluice)");
    }
    try {
      return std::optional<double>(std::stod(v.GetString()));
    } catch (...) {
      return ParsingError("[range] from/to must be numbers");
    }
  }
  return ParsingError("[range] from/to must be numbers");
}

util::Result<std::unique_ptr<Aggregation>> ParseRange(const rapidjson::Value& body, bool dates) {
  auto agg = std::make_unique<RangeAggregation>();
  agg->dates = dates;
  const char* type = dates ? "date_range" : "range";
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "keyed" && v.IsBool()) {
      agg->keyed = v.GetBool();
    } else if (key == "ranges" && v.IsArray()) {
      for (const auto& r : v.GetArray()) {
        if (!r.IsObject())
          return ParsingError(std::string("[") + type + "] ranges must be objects");
        Range range;
        for (auto m = r.MemberBegin(); m != r.MemberEnd(); ++m) {
          std::string k = m->name.GetString();
          if (k == "from") {
            SLUICE_ASSIGN_OR_RETURN(range.from, Bound(m->value, dates));
          } else if (k == "to") {
            SLUICE_ASSIGN_OR_RETURN(range.to, Bound(m->value, dates));
          } else if (k == "key" && m->value.IsString())
            range.key = m->value.GetString();
          else
            return ParsingError("[" + k + "] is not a field of a range");
        }
        agg->ranges.push_back(std::move(range));
      }
    } else if (key == "format" || key == "time_zone") {
      continue;
    } else {
      return ParsingError(std::string("[") + type + "] unknown field [" + key + "]");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument(
        "Required one of fields [field, script], but none were "
        "specified. ");
  }
  if (agg->ranges.empty()) {
    return util::InvalidArgument("No [ranges] specified for the [" + std::string(type) +
                                 "] aggregation");
  }
  // OpenSearch orders ranges by from, then to.
  std::stable_sort(agg->ranges.begin(), agg->ranges.end(), [](const Range& a, const Range& b) {
    double af = a.from.value_or(-INFINITY), bf = b.from.value_or(-INFINITY);
    if (af != bf) return af < bf;
    return a.to.value_or(INFINITY) < b.to.value_or(INFINITY);
  });
  return std::unique_ptr<Aggregation>(std::move(agg));
}

// ---- histogram / date_histogram ----

enum class CalendarUnit { kNone, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

class HistogramAggregation : public Aggregation {
 public:
  std::string field;
  bool dates = false;
  double interval = 0;  // numeric interval, or fixed interval in millis
  CalendarUnit unit = CalendarUnit::kNone;
  double offset = 0;
  int tz_minutes = 0;
  int64_t min_doc_count = 0;
  std::optional<double> bounds_min, bounds_max;
  bool keyed = false;
  bool key_desc = false;

  // The start of the bucket holding v.
  double Round(double v) const {
    if (unit == CalendarUnit::kNone) {
      double tz = dates ? tz_minutes * 60000.0 : 0;
      return std::floor((v + tz - offset) / interval) * interval + offset - tz;
    }
    int64_t tz = static_cast<int64_t>(tz_minutes) * 60000;
    int64_t local = static_cast<int64_t>(v) + tz - static_cast<int64_t>(offset);
    int64_t start = 0;
    switch (unit) {
      case CalendarUnit::kMinute:
        start = FloorDiv(local, 60000) * 60000;
        break;
      case CalendarUnit::kHour:
        start = FloorDiv(local, 3600000) * 3600000;
        break;
      case CalendarUnit::kDay:
        start = FloorDiv(local, 86400000) * 86400000;
        break;
      case CalendarUnit::kWeek: {
        int64_t days = FloorDiv(local, 86400000);
        int64_t monday = days - ((days % 7 + 7 + 3) % 7);  // 1970-01-01 was a Thursday
        start = monday * 86400000;
        break;
      }
      default: {
        int64_t y, m, d;
        CivilFromDays(FloorDiv(local, 86400000), &y, &m, &d);
        if (unit == CalendarUnit::kQuarter) m = (m - 1) / 3 * 3 + 1;
        if (unit == CalendarUnit::kYear) m = 1;
        start = DaysFromCivil(y, m, 1) * 86400000;
      }
    }
    return static_cast<double>(start - tz + static_cast<int64_t>(offset));
  }

  double Next(double key) const {
    if (unit == CalendarUnit::kNone) return key + interval;
    switch (unit) {
      case CalendarUnit::kMinute:
        return key + 60000;
      case CalendarUnit::kHour:
        return key + 3600000;
      case CalendarUnit::kDay:
        return key + 86400000;
      case CalendarUnit::kWeek:
        return key + 7 * 86400000.0;
      default: {
        int64_t tz = static_cast<int64_t>(tz_minutes) * 60000;
        int64_t local = static_cast<int64_t>(key) + tz - static_cast<int64_t>(offset);
        int64_t y, m, d;
        CivilFromDays(FloorDiv(local, 86400000), &y, &m, &d);
        int64_t step = unit == CalendarUnit::kMonth ? 1 : unit == CalendarUnit::kQuarter ? 3 : 12;
        m += step;
        while (m > 12) {
          m -= 12;
          ++y;
        }
        return static_cast<double>(DaysFromCivil(y, m, 1) * 86400000 - tz +
                                   static_cast<int64_t>(offset));
      }
    }
  }

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    std::map<double, size_t> slots;  // bucket key → index
    std::vector<std::vector<std::pair<size_t, ScoredDoc>>> members;
    std::vector<uint64_t> counts;
    bool is_date = dates;
    SLUICE_RETURN_IF_ERROR(ForEachNumber(
        docs, field, &is_date, [&](size_t s, const ScoredDoc& d, const std::vector<double>& vs) {
          std::vector<double> keys;
          for (double v : vs) {
            double k = Round(v);
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
          }
          for (double k : keys) {
            auto [it, fresh] = slots.try_emplace(k, counts.size());
            if (fresh) {
              counts.push_back(0);
              members.emplace_back();
            }
            ++counts[it->second];
            if (!subs.empty()) members[it->second].push_back({s, d});
          }
        }));
    // Empty buckets between the first and last key (and the extended bounds).
    if (min_doc_count == 0) {
      std::optional<double> lo, hi;
      if (!slots.empty()) {
        lo = slots.begin()->first;
        hi = slots.rbegin()->first;
      }
      if (bounds_min) lo = lo ? std::min(*lo, Round(*bounds_min)) : Round(*bounds_min);
      if (bounds_max) hi = hi ? std::max(*hi, Round(*bounds_max)) : Round(*bounds_max);
      if (lo && hi) {
        size_t guard = 0;
        for (double k = *lo; k <= *hi && guard < 65536; k = Next(k), ++guard) {
          if (slots.try_emplace(k, counts.size()).second) {
            counts.push_back(0);
            members.emplace_back();
          }
        }
        if (guard >= 65536) {
          return util::Status(util::Code::kInvalidArgument, "too_many_buckets_exception",
                              "Trying to create too many buckets. Must be less than or equal to: "
                              "[65535] but was [65536]. This limit can be set by changing the "
                              "[search.max_buckets] cluster level setting.");
        }
      }
    }
    std::vector<std::pair<double, size_t>> ordered(slots.begin(), slots.end());
    if (key_desc) std::reverse(ordered.begin(), ordered.end());
    w.StartObject().Key("buckets");
    if (keyed)
      w.StartObject();
    else
      w.StartArray();
    for (const auto& [key, slot] : ordered) {
      if (static_cast<int64_t>(counts[slot]) < min_doc_count) continue;
      std::string text =
          is_date ? FormatDate(static_cast<int64_t>(key), tz_minutes) : DoubleText(key);
      if (keyed)
        w.Key(text).StartObject();
      else
        w.StartObject();
      if (is_date) {
        w.Key("key_as_string").String(text);
        w.Key("key").Int(static_cast<int64_t>(key));
      } else {
        w.Key("key").Double(key);
      }
      DocSet set;
      for (const Segment& seg : docs) set.push_back({seg.index, {}});
      for (const auto& [s, d] : members[slot]) set[s].docs.push_back(d);
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, counts[slot], w));
      w.EndObject();
    }
    if (keyed)
      w.EndObject();
    else
      w.EndArray();
    w.EndObject();
    return Status::Ok();
  }
};

std::optional<CalendarUnit> ParseCalendar(std::string_view s) {
  static const std::map<std::string, CalendarUnit, std::less<>> kUnits = {
      {"minute", CalendarUnit::kMinute},   {"1m", CalendarUnit::kMinute},
      {"hour", CalendarUnit::kHour},       {"1h", CalendarUnit::kHour},
      {"day", CalendarUnit::kDay},         {"1d", CalendarUnit::kDay},
      {"week", CalendarUnit::kWeek},       {"1w", CalendarUnit::kWeek},
      {"month", CalendarUnit::kMonth},     {"1M", CalendarUnit::kMonth},
      {"quarter", CalendarUnit::kQuarter}, {"1q", CalendarUnit::kQuarter},
      {"year", CalendarUnit::kYear},       {"1y", CalendarUnit::kYear}};
  auto it = kUnits.find(s);
  if (it == kUnits.end()) return std::nullopt;
  return it->second;
}

// "90m", "1d", "30s", "500ms" → millis.
std::optional<double> ParseFixed(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double n = std::stod(std::string(s.substr(0, i)));
  std::string_view u = s.substr(i);
  double mult = u == "ms"  ? 1
                : u == "s" ? 1000
                : u == "m" ? 60000
                : u == "h" ? 3600000
                : u == "d" ? 86400000
                           : 0;
  if (mult == 0 || n <= 0) return std::nullopt;
  return n * mult;
}

util::Result<std::unique_ptr<Aggregation>> ParseHistogram(const rapidjson::Value& body,
                                                          bool dates) {
  auto agg = std::make_unique<HistogramAggregation>();
  agg->dates = dates;
  const std::string type = dates ? "date_histogram" : "histogram";
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "field" && v.IsString()) {
      agg->field = v.GetString();
    } else if (key == "interval" && !dates) {
      if (!v.IsNumber() || v.GetDouble() <= 0) {
        return util::InvalidArgument("[interval] must be >0 for histogram aggregation [" +
                                     std::string(v.IsNumber() ? DoubleText(v.GetDouble()) : "?") +
                                     "]");
      }
      agg->interval = v.GetDouble();
    } else if ((key == "calendar_interval" || key == "interval") && dates && v.IsString()) {
      if (auto unit = ParseCalendar(v.GetString())) {
        agg->unit = *unit;
      } else if (auto fixed = ParseFixed(v.GetString()); fixed && key == "interval") {
        agg->interval = *fixed;
      } else {
        return util::InvalidArgument("The supplied interval [" + std::string(v.GetString()) +
                                     "] could not be parsed as a calendar interval.");
      }
    } else if (key == "fixed_interval" && dates && v.IsString()) {
      auto fixed = ParseFixed(v.GetString());
      if (!fixed) {
        return util::InvalidArgument(
            "failed to parse setting [date_histogram.fixedInterval] "
            "with value [" +
            std::string(v.GetString()) + "] as a time value: unit is missing or unrecognized");
      }
      agg->interval = *fixed;
    } else if (key == "offset") {
      if (v.IsNumber()) {
        agg->offset = v.GetDouble();
      } else if (v.IsString() && dates) {
        std::string_view s = v.GetString();
        double sign = 1;
        if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
          sign = s[0] == '-' ? -1 : 1;
          s.remove_prefix(1);
        }
        auto fixed = ParseFixed(s);
        if (!fixed) return ParsingError("[offset] could not be parsed: [" + std::string(s) + "]");
        agg->offset = sign * *fixed;
      } else {
        return ParsingError("[offset] must be a number");
      }
    } else if (key == "time_zone" && dates && v.IsString()) {
      auto tz = ParseTimeZone(v.GetString());
      if (!tz) {
        return util::InvalidArgument("time_zone [" + std::string(v.GetString()) +
                                     "] is not supported by sluice: use a fixed offset such as "
                                     "[+01:00] or [UTC]");
      }
      agg->tz_minutes = *tz;
    } else if (key == "min_doc_count") {
      if (!v.IsInt64() || v.GetInt64() < 0) {
        return util::InvalidArgument("[min_doc_count] must be greater than or equal to 0. Found [" +
                                     std::string(v.IsInt64() ? std::to_string(v.GetInt64()) : "?") +
                                     "] in [" + type + "]");
      }
      agg->min_doc_count = v.GetInt64();
    } else if (key == "extended_bounds" && v.IsObject()) {
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        SLUICE_ASSIGN_OR_RETURN(auto b, Bound(m->value, dates));
        if (std::string_view(m->name.GetString()) == "min")
          agg->bounds_min = b;
        else
          agg->bounds_max = b;
      }
    } else if (key == "keyed" && v.IsBool()) {
      agg->keyed = v.GetBool();
    } else if (key == "order" && v.IsObject()) {
      auto k = v.FindMember("_key");
      // "_time" is the deprecated name of "_key" (OpenSearch replaces it with a warning).
      if (k == v.MemberEnd()) k = v.FindMember("_time");
      if (k == v.MemberEnd() || !k->value.IsString()) {
        return util::InvalidArgument("[" + type + "] supports only [_key] order in sluice");
      }
      agg->key_desc = std::string_view(k->value.GetString()) == "desc";
    } else if (key == "format") {
      if (!v.IsString() || std::string_view(v.GetString()) != "strict_date_optional_time") {
        if (dates) {
          return util::InvalidArgument(
              "[format] of [date_histogram] is not supported by sluice "
              "(keys use strict_date_optional_time)");
        }
      }
    } else if (key == "missing" && v.IsNumber()) {
      continue;
    } else {
      return ParsingError("[" + type + "] unknown field [" + key + "]");
    }
  }
  if (agg->field.empty()) {
    return util::InvalidArgument(
        "Required one of fields [field, script], but none were "
        "specified. ");
  }
  if (agg->interval <= 0 && agg->unit == CalendarUnit::kNone) {
    return util::InvalidArgument(dates ? "Invalid interval specified, must be non-null and "
                                         "non-empty"
                                       : "[interval] must be >0 for histogram aggregation [" +
                                             agg->name + "]");
  }
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseHistogramAggregation(const std::string& type,
                                                                     const rapidjson::Value& body) {
  if (type == "range") return ParseRange(body, false);
  if (type == "date_range") return ParseRange(body, true);
  if (type == "histogram") return ParseHistogram(body, false);
  if (type == "date_histogram") return ParseHistogram(body, true);
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search

namespace sluice::search {

util::Result<std::function<double(double)>> ParseHistogramRounding(const rapidjson::Value& body,
                                                                   bool dates) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Aggregation> agg, ParseHistogram(body, dates));
  std::shared_ptr<const HistogramAggregation> histogram(
      static_cast<HistogramAggregation*>(agg.release()));
  return std::function<double(double)>([histogram](double v) { return histogram->Round(v); });
}

}  // namespace sluice::search
