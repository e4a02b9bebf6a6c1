// CatTable: the rendering of the _cat APIs, as OpenSearch's RestTable and
// AbstractCatAction do it.
//
//   CatTable t({{"epoch", "t,time", "seconds since 1970-01-01 00:00:00"},
//               {"count", "dc,docs.count,docsCount", "the document count", CatAlign::kRight}});
//   t.AddRow({CatCell::Number(1700000000), CatCell::Number(3)});
//   return t.Render(request);
//
// Render honours the request's parameters:
//   - help: one line per column, "name | aliases | description";
//   - h=a,b*: the columns by name, alias or wildcard, in that order (a column
//     asked for by an alias is headed by that alias); unknown names are left
//     out; without h, the columns marked default;
//   - v: a header line; ts=false drops the epoch and timestamp columns;
//   - s=col[:asc|:desc],...: row order (numbers compare as numbers); an
//     unknown key is a 500 unsupported_operation_exception, as OpenSearch;
//   - format=json (or an Accept: application/json header): an array of
//     objects of strings, keyed by the displayed names;
//   - text: cells padded to the widest of their column, right-aligned where
//     the column says so, no padding after the last column.
// Byte sizes are rendered by the caller (CatBytes), which reads ?bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace sluice::api {

enum class CatAlign { kLeft, kRight };

struct CatColumn {
  std::string name;
  std::string aliases;  // comma-separated, as OpenSearch declares them
  std::string description;
  CatAlign align = CatAlign::kLeft;
  bool shown_by_default = true;
};

struct CatCell {
  std::optional<std::string> text;  // nullopt renders as an empty cell (JSON null)
  std::optional<double> number;     // set for numeric cells: sorts numerically

  static CatCell Text(std::string s) { return CatCell{std::move(s), std::nullopt}; }
  static CatCell Number(int64_t v) { return CatCell{std::to_string(v), static_cast<double>(v)}; }
  static CatCell Null() { return CatCell{}; }
};

class CatTable {
 public:
  explicit CatTable(std::vector<CatColumn> columns);

  // Prepends OpenSearch's epoch and timestamp columns (the cat APIs that have them).
  static std::vector<CatColumn> WithTimestamp(std::vector<CatColumn> columns);
  // The cells of those two columns for `now_ms`.
  static std::vector<CatCell> TimestampCells(int64_t now_ms);

  // A row: one cell per column, in the declared order.
  void AddRow(std::vector<CatCell> cells);

  http::Response Render(const http::Request& request) const;

 private:
  std::vector<CatColumn> columns_;
  std::vector<std::vector<CatCell>> rows_;
};

// A byte count as the _cat APIs show it: ?bytes=b|kb|mb|gb|tb|pb as a whole
// number of that unit, else OpenSearch's ByteSizeValue text (1.5kb, 2mb).
CatCell CatBytes(const http::Request& request, uint64_t bytes);

}  // namespace sluice::api
