#include "vouch/core/clock.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace vouch {
namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

bool Digits(const std::string& s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

std::string FormatRfc3339(TimePoint t) {
  // floor, not to_time_t's truncation toward zero: 1969-12-31T23:59:59.5Z is 23:59:59.
  std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatRfc3339Millis(TimePoint t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  std::string out = FormatRfc3339(t);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(ms));
  out.insert(out.size() - 1, frac);  // before the "Z"
  return out;
}

Result<TimePoint> ParseRfc3339(const std::string& s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int Y, M, D, h, m, sec;
  if (!Digits(s, 0, 4, Y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, M) ||
      s[7] != '-' || !Digits(s, 8, 2, D) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, m) || s[16] != ':' ||
      !Digits(s, 17, 2, sec)) {
    return InvalidArgumentError("\"" + s.substr(0, 40) + "\" is not an RFC 3339 time");
  }
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) {
    return InvalidArgumentError("\"" + s.substr(0, 40) + "\" has an out-of-range field");
  }
  size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t ns = 0;
    int ndig = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (ndig < 9) {
        ns = ns * 10 + (s[pos] - '0');
        ++ndig;
      }
      ++pos;
    }
    if (ndig == 0) {
      return InvalidArgumentError("\"" + s.substr(0, 40) + "\" has an empty fraction");
    }
    for (int i = ndig; i < 9; ++i) {
      ns *= 10;
    }
    frac = std::chrono::nanoseconds(ns);
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    // UTC
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || !Digits(s, pos + 4, 2, om)) {
      return InvalidArgumentError("\"" + s.substr(0, 40) + "\" has a malformed offset");
    }
    if (oh > 23 || om > 59) {
      return InvalidArgumentError("\"" + s.substr(0, 40) + "\" has an out-of-range offset");
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
  } else {
    return InvalidArgumentError("\"" + s.substr(0, 40) + "\" lacks a time zone");
  }
  using namespace std::chrono;
  year_month_day ymd{year{Y}, month{static_cast<unsigned>(M)}, day{static_cast<unsigned>(D)}};
  if (!ymd.ok()) {
    return InvalidArgumentError("\"" + s.substr(0, 40) + "\" is not a calendar date");
  }
  sys_seconds secs = sys_days{ymd} + hours{h} + minutes{m} + seconds{sec} - minutes{offset_min};
  // TimePoint counts nanoseconds in int64: about 1678 to 2262. Reject what it cannot hold
  // instead of overflowing (found by tests/fuzz/rfc3339_corpus/crash-year-6220-...).
  constexpr seconds kMin = ceil<seconds>(system_clock::duration::min());
  constexpr seconds kMax = floor<seconds>(system_clock::duration::max()) - seconds{1};
  if (secs.time_since_epoch() < kMin || secs.time_since_epoch() > kMax) {
    return InvalidArgumentError("\"" + s.substr(0, 40) + "\" is outside the supported time range");
  }
  return time_point_cast<system_clock::duration>(secs + frac);
}

}  // namespace vouch
