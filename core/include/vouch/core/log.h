// Log: the one channel for what vouch tells a person on standard error besides errors.
//
// A command's result goes to stdout and its error to stderr, whatever the level; everything else
// on stderr goes through here, so that `-q/--quiet` and `-v/--verbose` (cli/command.h) mean the
// same thing in every command:
//
//   Info    progress and notes ("Signed ... ; wrote ...", "note: no trusted root")   quiet hides
//   Warn    a warning that is not an error ("signing by tag is racy")            quiet hides
//   Debug   diagnostics: the HTTP requests made (method, URL, status)            verbose only
//
// Lines are written whole under a lock, so concurrent workers (parallel fetches) never
// interleave inside a line. Secrets never go into a log line: callers log URLs and statuses,
// never headers or tokens.
#pragma once

#include <functional>
#include <string_view>

namespace vouch::log {

// Level orders what is shown: each level shows its own lines and those of the levels below.
enum class Level { kQuiet = 0, kNormal = 1, kVerbose = 2 };

// SetLevel sets the process-wide level (default kNormal). The CLI sets it once, from -q / -v,
// before any work starts.
void SetLevel(Level level);
// GetLevel returns the process-wide level.
Level GetLevel();
// Enabled reports whether lines of |level| are shown, for a caller that would otherwise build an
// expensive line for nothing.
bool Enabled(Level level);

// Info writes |line| (no trailing newline; one is added) unless the level is kQuiet.
void Info(std::string_view line);
// Warn writes "vouch: warning: |line|" unless the level is kQuiet.
void Warn(std::string_view line);
// Debug writes "vouch: |line|" only at kVerbose.
void Debug(std::string_view line);

// Sink receives each whole line, newline included.
using Sink = std::function<void(std::string_view line)>;
// SetSink replaces where lines go (default: std::cerr) and returns the previous sink; an empty
// sink restores the default. For tests.
Sink SetSink(Sink sink);

}  // namespace vouch::log
