#include "index/date_parse.h"

#include <cctype>
#include <charconv>

namespace sluice::index {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<int64_t> ParseDateMillis(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // epoch_millis: all digits (optionally negative), not a 4-digit year form.
  bool all_digits = true;
  for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) all_digits = false;
  }
  if (all_digits && s.size() > 4 && s != "-") {
    // Checked: 19 digits can exceed int64 (9999999999999999999), which is not
    // a date, not a wrapped-around negative one.
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  }
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  size_t pos = 0;
  if (!Digits(s, 0, 4, &year)) return std::nullopt;
  pos = 4;
  if (pos < s.size() && s[pos] == '-') {
    if (!Digits(s, pos + 1, 2, &month)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '-') {
      if (!Digits(s, pos + 1, 2, &day)) return std::nullopt;
      pos += 3;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!Digits(s, pos + 1, 2, &hour)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &minute)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == ':') {
        if (!Digits(s, pos + 1, 2, &second)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
          ++pos;
          int scale = 100, digits = 0;
          while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (digits < 3) millis += (s[pos] - '0') * scale;
            scale /= 10;
            ++digits;
            ++pos;
          }
          if (digits == 0 || digits > 9) return std::nullopt;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1, oh = 0, om = 0;
        if (!Digits(s, pos + 1, 2, &oh)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size()) {
          if (!Digits(s, pos, 2, &om)) return std::nullopt;
          pos += 2;
        }
        offset_minutes = sign * (oh * 60 + om);
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

bool LooksLikeDate(std::string_view text) {
  return text.size() >= 10 && text[4] == '-' && text[7] == '-' &&
         ParseDateMillis(text).has_value();
}

}  // namespace sluice::index
