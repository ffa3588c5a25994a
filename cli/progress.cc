#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>
#include <utility>

#include "vouch/core/log.h"

namespace vouch::cli {
namespace {

// TerminalWidth is stderr's column count; 80 when the terminal does not say.
size_t TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return 80;
}

}  // namespace

std::unique_ptr<ProgressLine> NewProgress(std::string label, ProgressUnit unit) {
  if (isatty(STDERR_FILENO) != 1 || !log::Enabled(log::Level::kNormal)) {
    return nullptr;
  }
  // One column short of the width: a line that fills the last column wraps on some terminals,
  // and "\r" then no longer returns to its start.
  return std::make_unique<ProgressLine>(std::cerr, SystemClock(), std::move(label), unit,
                                        TerminalWidth() - 1);
}

std::function<void(const registry::CopyProgress&)> CopyProgressOn(ProgressLine* line) {
  if (line == nullptr) {
    return {};
  }
  return [line](const registry::CopyProgress& p) {
    line->Update(p.bytes_done, p.bytes_total,
                 "blobs " + std::to_string(p.blobs_done) + "/" + std::to_string(p.blobs_total));
  };
}

}  // namespace vouch::cli
