// Progress on the terminal for long commands (copy, promote, verify --batch): a redrawn line on
// stderr when stderr is a TTY and the command is not --quiet (core/log.h level); nothing at all
// otherwise, so logs and pipes never hold carriage returns.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vouch/core/progress.h"
#include "vouch/registry/operations.h"

namespace vouch::cli {

// NewProgress returns the progress line of |label| for this command, or nullptr when none is
// to be shown.
std::unique_ptr<ProgressLine> NewProgress(std::string label, ProgressUnit unit);

// CopyProgressOn returns the registry::CopyOptions::progress callback that draws a copy on
// |line| (bytes handled of the declared total, and the blob count), or an empty callback when
// |line| is null. |line| must outlive the copy.
std::function<void(const registry::CopyProgress&)> CopyProgressOn(ProgressLine* line);

}  // namespace vouch::cli
