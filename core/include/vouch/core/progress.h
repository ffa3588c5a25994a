// Progress of long work (copy, promote, batch verify) on a terminal: one line with a bar, human
// sizes, the rate and the time left, redrawn in place. Whether to show it at all (stderr is a
// TTY, no --quiet) is the caller's decision; this file only renders.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "vouch/core/clock.h"

namespace vouch {

// HumanBytes renders a byte count in binary units with one decimal: "512 B", "1.5 KiB",
// "12.3 MiB", "2.0 GiB".
std::string HumanBytes(uint64_t bytes);

// HumanDuration renders whole seconds as "M:SS" or "H:MM:SS".
std::string HumanDuration(uint64_t seconds);

// ProgressUnit says what a progress count counts: bytes (shown with HumanBytes and a rate per
// second) or items (images, blobs: shown as "done/total").
enum class ProgressUnit { kBytes, kItems };

// ProgressSnapshot is one moment of a piece of work.
struct ProgressSnapshot {
  std::string label;  // "copy", "verify"
  ProgressUnit unit = ProgressUnit::kItems;
  uint64_t done = 0;
  uint64_t total = 0;  // 0: unknown (no bar, no percentage, no ETA)
  double elapsed_seconds = 0;
  std::string detail;  // appended as is ("blobs 3/7")
};

// RenderProgress renders |s| in at most |width| columns (the detail is cut first, then the bar
// narrows), without a newline:
//   copy [########............]  40%  12.3 MiB / 30.7 MiB  4.1 MiB/s  ETA 0:04  blobs 3/7
// The rate and ETA appear once some work is done and time has passed.
std::string RenderProgress(const ProgressSnapshot& s, size_t width);

// ProgressLine redraws one line on |out| ("\r" + the line + erase to its end) as work advances,
// at most every |interval| (the last update, done == total, is always drawn), and ends it with a
// newline on Finish (or destruction). Not thread-safe: callers serialize Update.
class ProgressLine {
 public:
  ProgressLine(std::ostream& out, const Clock& clock, std::string label, ProgressUnit unit,
               size_t width = 80, std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Update(uint64_t done, uint64_t total, std::string detail = "");
  // Finish draws the last state (if not drawn yet) and ends the line; later calls do nothing.
  void Finish();

 private:
  void Draw();

  std::ostream& out_;
  const Clock& clock_;
  ProgressSnapshot snapshot_;
  size_t width_;
  std::chrono::milliseconds interval_;
  TimePoint start_;
  TimePoint last_draw_{};
  bool drawn_ = false;
  bool dirty_ = false;
  bool finished_ = false;
};

}  // namespace vouch
