#include "vouch/core/progress.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>

namespace vouch {
namespace {

constexpr size_t kMaxBar = 24;
constexpr size_t kMinBar = 8;

std::string OneDecimal(double a) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", a);
  return buf;
}

std::string Count(ProgressUnit unit, uint64_t n) {
  return unit == ProgressUnit::kBytes ? HumanBytes(n) : std::to_string(n);
}

std::string Bar(uint64_t done, uint64_t total, size_t width) {
  const size_t filled = static_cast<size_t>(static_cast<double>(width) *
                                            static_cast<double>(std::min(done, total)) /
                                            static_cast<double>(total));
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  // 1023.95 would print as "1024.0": move up a unit before rounding can reach 1024.
  while (value >= 1023.95 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return OneDecimal(value) + " " + kUnits[unit];
}

std::string HumanDuration(uint64_t seconds) {
  char buf[48];
  if (seconds >= 3600) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, seconds / 3600,
                  seconds / 60 % 60, seconds % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 ":%02" PRIu64, seconds / 60, seconds % 60);
  }
  return buf;
}

std::string RenderProgress(const ProgressSnapshot& s, size_t width) {
  const bool known = s.total > 0;
  std::string counts = Count(s.unit, s.done);
  if (known) {
    counts += (s.unit == ProgressUnit::kBytes ? " / " : "/") + Count(s.unit, s.total);
  }
  std::string tail = "  " + counts;
  if (s.done > 0 && s.elapsed_seconds > 0) {
    const double rate = static_cast<double>(s.done) / s.elapsed_seconds;
    tail += "  " + (s.unit == ProgressUnit::kBytes
                        ? HumanBytes(static_cast<uint64_t>(rate)) + "/s"
                        : OneDecimal(rate) + "/s");
    if (known && s.done < s.total) {
      const double left = static_cast<double>(s.total - s.done) / rate;
      tail += "  ETA " + HumanDuration(static_cast<uint64_t>(left + 0.5));
    }
  }
  std::string head = s.label;
  std::string percent;
  if (known) {
    const uint64_t p = std::min<uint64_t>(100, s.done * 100 / s.total);
    percent = " " + std::string(p < 10 ? 2 : p < 100 ? 1 : 0, ' ') + std::to_string(p) + "%";
  }
  // Room for the bar once the label, percentage and counts are placed; the detail goes last.
  const size_t fixed = head.size() + 1 + percent.size() + tail.size();
  std::string line = head;
  if (known && width > fixed + kMinBar + 2) {
    line += " " + Bar(s.done, s.total, std::min(kMaxBar, width - fixed - 2));
  }
  line += percent + tail;
  if (!s.detail.empty() && line.size() + 2 + s.detail.size() <= width) {
    line += "  " + s.detail;
  }
  if (line.size() > width) {
    line.resize(width);
  }
  return line;
}

ProgressLine::ProgressLine(std::ostream& out, const Clock& clock, std::string label,
                           ProgressUnit unit, size_t width, std::chrono::milliseconds interval)
    : out_(out), clock_(clock), width_(width), interval_(interval), start_(clock.Now()) {
  snapshot_.label = std::move(label);
  snapshot_.unit = unit;
}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(uint64_t done, uint64_t total, std::string detail) {
  if (finished_) {
    return;
  }
  snapshot_.done = done;
  snapshot_.total = total;
  snapshot_.detail = std::move(detail);
  dirty_ = true;
  const TimePoint now = clock_.Now();
  if (!drawn_ || now - last_draw_ >= interval_ || (total > 0 && done >= total)) {
    Draw();
  }
}

void ProgressLine::Finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  if (dirty_) {
    Draw();
  }
  if (drawn_) {
    out_ << "\n" << std::flush;
  }
}

void ProgressLine::Draw() {
  const TimePoint now = clock_.Now();
  snapshot_.elapsed_seconds = std::chrono::duration<double>(now - start_).count();
  // "\r" returns to the line's start, "\x1b[K" erases what a longer earlier line left.
  out_ << "\r" << RenderProgress(snapshot_, width_) << "\x1b[K" << std::flush;
  last_draw_ = now;
  drawn_ = true;
  dirty_ = false;
}

}  // namespace vouch
