#include "api/cat_table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <numeric>

#include "api/rest_response.h"
#include "json/json_writer.h"
#include "util/status.h"
#include "util/wildcard.h"
#include "util/split.h"

namespace sluice::api {
namespace {

bool HasWildcard(std::string_view s) { return s.find('*') != std::string_view::npos; }

struct Display {
  size_t column;
  std::string header;
};

void Pad(std::string& out, std::string_view value, size_t width, CatAlign align, bool last) {
  size_t left_over = width > value.size() ? width - value.size() : 0;
  if (left_over > 0 && align == CatAlign::kRight) {
    out.append(left_over, ' ');
    out.append(value);
    return;
  }
  out.append(value);
  if (!last) out.append(left_over, ' ');
}

}  // namespace

CatTable::CatTable(std::vector<CatColumn> columns) : columns_(std::move(columns)) {}

std::vector<CatColumn> CatTable::WithTimestamp(std::vector<CatColumn> columns) {
  std::vector<CatColumn> out = {
      {"epoch", "t,time", "seconds since 1970-01-01 00:00:00", CatAlign::kLeft, true},
      {"timestamp", "ts,hms,hhmmss", "time in HH:MM:SS", CatAlign::kLeft, true}};
  out.insert(out.end(), columns.begin(), columns.end());
  return out;
}

std::vector<CatCell> CatTable::TimestampCells(int64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char hms[16];
  std::snprintf(hms, sizeof hms, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  return {CatCell::Number(now_ms / 1000), CatCell::Text(hms)};
}

void CatTable::AddRow(std::vector<CatCell> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

http::Response CatTable::Render(const http::Request& request) const {
  if (FlagParam(request, "help")) {
    size_t w[3] = {0, 0, 0};
    for (const auto& c : columns_) {
      w[0] = std::max(w[0], c.name.size());
      w[1] = std::max(w[1], c.aliases.size());
      w[2] = std::max(w[2], c.description.size());
    }
    std::string out;
    for (const auto& c : columns_) {
      Pad(out, c.name, w[0], CatAlign::kLeft, false);
      out += " | ";
      Pad(out, c.aliases, w[1], CatAlign::kLeft, false);
      out += " | ";
      Pad(out, c.description, w[2], CatAlign::kLeft, false);
      out += "\n";
    }
    return http::Response{200, "text/plain; charset=UTF-8", std::move(out), {}};
  }

  auto aliases_of = [&](size_t c) { return util::SplitNonEmpty(columns_[c].aliases); };
  bool with_ts = request.Query("ts") != std::optional<std::string_view>("false");
  auto ts_ok = [&](size_t c) {
    return with_ts || (columns_[c].name != "epoch" && columns_[c].name != "timestamp");
  };

  std::vector<Display> display;
  if (auto h = request.Query("h")) {
    // Names first (wildcards expanded over names and aliases), each once.
    std::vector<std::string> wanted;
    auto add = [&](const std::string& n) {
      if (std::find(wanted.begin(), wanted.end(), n) == wanted.end()) wanted.push_back(n);
    };
    for (const std::string& part : util::SplitNonEmpty(*h)) {
      if (!HasWildcard(part)) {
        add(part);
        continue;
      }
      for (size_t c = 0; c < columns_.size(); ++c) {
        bool hit = util::WildcardMatch(part, columns_[c].name);
        for (const auto& a : aliases_of(c)) hit = hit || util::WildcardMatch(part, a);
        if (hit) add(columns_[c].name);
      }
    }
    for (const std::string& n : wanted) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        auto al = aliases_of(c);
        if (columns_[c].name == n || std::find(al.begin(), al.end(), n) != al.end()) {
          if (ts_ok(c)) display.push_back({c, n});
          break;
        }
      }
    }
  } else {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (columns_[c].shown_by_default && ts_ok(c)) display.push_back({c, columns_[c].name});
    }
  }

  std::vector<size_t> order(rows_.size());
  std::iota(order.begin(), order.end(), 0);
  if (auto s = request.Query("s")) {
    std::vector<std::pair<size_t, bool>> keys;  // column, descending
    for (std::string key : util::SplitNonEmpty(*s)) {
      bool desc = false;
      if (key.size() > 5 && key.compare(key.size() - 5, 5, ":desc") == 0) {
        desc = true;
        key.resize(key.size() - 5);
      } else if (key.size() > 4 && key.compare(key.size() - 4, 4, ":asc") == 0) {
        key.resize(key.size() - 4);
      }
      std::optional<size_t> found;
      for (size_t c = 0; c < columns_.size() && !found; ++c) {
        auto al = aliases_of(c);
        if (columns_[c].name == key || std::find(al.begin(), al.end(), key) != al.end()) found = c;
      }
      if (!found) {
        return ErrorResponse(request,
                             util::Status(util::Code::kInternal, "unsupported_operation_exception",
                                          "Unable to sort by unknown sort key `" + key + "`"));
      }
      keys.emplace_back(*found, desc);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      for (auto [c, desc] : keys) {
        const CatCell& x = rows_[a][c];
        const CatCell& y = rows_[b][c];
        int cmp = 0;
        if (!x.text && !y.text)
          cmp = 0;
        else if (!x.text)
          cmp = -1;
        else if (!y.text)
          cmp = 1;
        else if (x.number && y.number)
          cmp = *x.number < *y.number ? -1 : *x.number > *y.number ? 1 : 0;
        else
          cmp = x.text->compare(*y.text) < 0 ? -1 : x.text->compare(*y.text) > 0 ? 1 : 0;
        if (desc) cmp = -cmp;
        if (cmp != 0) return cmp < 0;
      }
      return false;
    });
  }

  std::string_view format = request.Query("format").value_or("");
  bool json_out = format == "json" ||
                  (format.empty() &&
                   request.Header("Accept").find("application/json") != std::string_view::npos);
  if (json_out) {
    json::JsonWriter w;
    w.StartArray();
    for (size_t r : order) {
      w.StartObject();
      for (const auto& d : display) {
        w.Key(d.header);
        const CatCell& cell = rows_[r][d.column];
        if (cell.text)
          w.String(*cell.text);
        else
          w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
    return JsonResponse(request, 200, w.Take());
  }

  bool verbose = FlagParam(request, "v");
  std::vector<size_t> width(display.size(), 0);
  for (size_t i = 0; i < display.size(); ++i) {
    if (verbose) width[i] = display[i].header.size();
    for (const auto& row : rows_) {
      width[i] = std::max(width[i], row[display[i].column].text.value_or("").size());
    }
  }
  std::string out;
  if (verbose) {
    for (size_t i = 0; i < display.size(); ++i) {
      bool last = i + 1 == display.size();
      Pad(out, display[i].header, width[i], columns_[display[i].column].align, last);
      if (!last) out += ' ';
    }
    out += '\n';
  }
  for (size_t r : order) {
    for (size_t i = 0; i < display.size(); ++i) {
      bool last = i + 1 == display.size();
      Pad(out, rows_[r][display[i].column].text.value_or(""), width[i],
          columns_[display[i].column].align, last);
      if (!last) out += ' ';
    }
    out += '\n';
  }
  return http::Response{200, "text/plain; charset=UTF-8", std::move(out), {}};
}

CatCell CatBytes(const http::Request& request, uint64_t bytes) {
  std::string_view unit = request.Query("bytes").value_or("");
  struct Unit {
    std::string_view a, b;
    uint64_t div;
  };
  static constexpr Unit kUnits[] = {{"b", "b", 1},           {"k", "kb", 1ull << 10},
                                    {"m", "mb", 1ull << 20}, {"g", "gb", 1ull << 30},
                                    {"t", "tb", 1ull << 40}, {"p", "pb", 1ull << 50}};
  for (const auto& u : kUnits) {
    if (unit == u.a || unit == u.b) {
      return CatCell{std::to_string(bytes / u.div), static_cast<double>(bytes)};
    }
  }
  // ByteSizeValue#toString: the largest unit >= 1, one decimal, trailing .0 dropped.
  const char* names[] = {"b", "kb", "mb", "gb", "tb", "pb"};
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    ++i;
  }
  char buf[32];
  if (i == 0) {
    std::snprintf(buf, sizeof buf, "%llub", static_cast<unsigned long long>(bytes));
  } else {
    auto tenths = static_cast<unsigned long long>(v * 10);
    if (tenths % 10 == 0)
      std::snprintf(buf, sizeof buf, "%llu%s", tenths / 10, names[i]);
    else
      std::snprintf(buf, sizeof buf, "%llu.%llu%s", tenths / 10, tenths % 10, names[i]);
  }
  return CatCell{std::string(buf), static_cast<double>(bytes)};
}

}  // namespace sluice::api
