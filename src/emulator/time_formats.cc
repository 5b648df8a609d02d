// Hand-written time parsing and formatting: strptime's %a/%b depend on the locale, and no standard
// function writes GenAuth's "+0800" form.
#include "emulator/time_formats.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace genauth::emulator {
namespace {

using std::chrono::system_clock;

constexpr int kChinaOffsetMinutes = 8 * 60;
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// A cursor over the text being parsed; every reader returns false when the text does not match.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Literal(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // Exactly `digits` decimal digits.
  bool Number(int digits, int* out) {
    int value = 0;
    for (int i = 0; i < digits; ++i) {
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        return false;
      }
      value = value * 10 + (text_[pos_++] - '0');
    }
    *out = value;
    return true;
  }
  // One of `names` (each three letters); *out is its index.
  template <size_t N>
  bool Name(const char* const (&names)[N], int* out) {
    if (text_.size() - pos_ < 3) return false;
    for (size_t i = 0; i < N; ++i) {
      if (text_.substr(pos_, 3) == names[i]) {
        pos_ += 3;
        *out = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  // Fraction digits after a '.', as milliseconds (extra digits dropped).
  int Millis() {
    int millis = 0;
    int digits = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      if (digits < 3) millis = millis * 10 + (text_[pos_] - '0');
      ++digits;
      ++pos_;
    }
    for (; digits < 3; ++digits) millis *= 10;
    return millis;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool ValidCivil(int year, int month, int day, int hour, int minute, int second) {
  return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
         minute <= 59 && second <= 60;
}

system_clock::time_point FromUtc(int year, int month, int day, int hour, int minute, int second,
                                 int millis) {
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  return system_clock::from_time_t(timegm(&utc)) + std::chrono::milliseconds(millis);
}

// "Tue, 20 Sep 2022 08:55:00 GMT". The weekday is checked for form only, as HTTP servers do.
std::optional<system_clock::time_point> ParseRfc1123(std::string_view text) {
  Reader in(text);
  int weekday = 0, day = 0, month = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!in.Name(kWeekdays, &weekday) || !in.Literal(',') || !in.Literal(' ') ||
      !in.Number(2, &day) || !in.Literal(' ') || !in.Name(kMonths, &month) || !in.Literal(' ') ||
      !in.Number(4, &year) || !in.Literal(' ') || !in.Number(2, &hour) || !in.Literal(':') ||
      !in.Number(2, &minute) || !in.Literal(':') || !in.Number(2, &second) || !in.Literal(' ') ||
      !in.Literal('G') || !in.Literal('M') || !in.Literal('T') || !in.AtEnd() ||
      !ValidCivil(year, month + 1, day, hour, minute, second)) {
    return std::nullopt;
  }
  return FromUtc(year, month + 1, day, hour, minute, second, 0);
}

// "2022-09-20T08:55:00.188Z", "...+08:00" or "...+0800"; the fraction is optional.
std::optional<system_clock::time_point> ParseIso8601(std::string_view text) {
  Reader in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!in.Number(4, &year) || !in.Literal('-') || !in.Number(2, &month) || !in.Literal('-') ||
      !in.Number(2, &day) || !in.Literal('T') || !in.Number(2, &hour) || !in.Literal(':') ||
      !in.Number(2, &minute) || !in.Literal(':') || !in.Number(2, &second) ||
      !ValidCivil(year, month, day, hour, minute, second)) {
    return std::nullopt;
  }
  if (in.Literal('.')) millis = in.Millis();
  int offset_minutes = 0;
  if (!in.Literal('Z')) {
    int sign = in.Literal('+') ? 1 : (in.Literal('-') ? -1 : 0);
    int offset_hours = 0, offset_rest = 0;
    if (sign == 0 || !in.Number(2, &offset_hours)) return std::nullopt;
    in.Literal(':');
    if (!in.Number(2, &offset_rest)) return std::nullopt;
    offset_minutes = sign * (offset_hours * 60 + offset_rest);
  }
  if (!in.AtEnd()) return std::nullopt;
  return FromUtc(year, month, day, hour, minute, second, millis) -
         std::chrono::minutes(offset_minutes);
}

std::optional<system_clock::time_point> ParseEpochMillis(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t millis = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    millis = millis * 10 + (c - '0');
  }
  return system_clock::time_point(std::chrono::milliseconds(millis));
}

}  // namespace

std::string GenAuthTimestamp(system_clock::time_point when) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()) +
      std::chrono::minutes(kChinaOffsetMinutes);
  const int64_t total_ms = since_epoch.count();
  const std::time_t seconds = static_cast<std::time_t>(total_ms / 1000);
  std::tm china{};
  gmtime_r(&seconds, &china);
  char out[48];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0800", china.tm_year + 1900,
                china.tm_mon + 1, china.tm_mday, china.tm_hour, china.tm_min, china.tm_sec,
                static_cast<int>(total_ms % 1000));
  return out;
}

std::optional<system_clock::time_point> ParseSignatureDate(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (auto parsed = ParseEpochMillis(text)) return parsed;
  if (auto parsed = ParseRfc1123(text)) return parsed;
  return ParseIso8601(text);
}

}  // namespace genauth::emulator
