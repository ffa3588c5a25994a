// Progress on the terminal for long commands (copy, promote, verify --batch): a redrawn line on
// stderr when stderr is a TTY and the command is not --quiet; nothing at all otherwise, so logs
// and pipes never hold carriage returns.
#pragma once

#include <memory>
#include <string>

#include "command.h"
#include "vouch/core/progress.h"

namespace vouch::cli {

// NewProgress returns the progress line of |label| for this command, or nullptr when none is
// to be shown.
std::unique_ptr<ProgressLine> NewProgress(const Args& args, std::string label, ProgressUnit unit);

}  // namespace vouch::cli
