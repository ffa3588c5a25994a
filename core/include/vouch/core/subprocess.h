// Running a helper program: the one place vouch starts a child process (docker credential
// helpers, sigstore KMS plugins).
//
// RunSubprocess runs argv with the given bytes on its stdin, captures stdout and stderr under
// size caps, and enforces an overall deadline. The child inherits vouch's environment and working
// directory. It never gets a terminal on stdin (stdin is a pipe) and its stdout and stderr go to
// vouch, never to the user's terminal: a caller that wants the user to see the child's stderr
// prints it (the captured tail is kept for exactly that).
//
// Guarantees:
//  - No file descriptor leaks into the child or survives the call: every pipe is O_CLOEXEC and
//    closed on every path, and only fds 0, 1 and 2 are set up in the child.
//  - No deadlock: one poll() loop writes stdin and drains both outputs at the same time, so a
//    child that writes a lot before reading (or never reads) does not block either side.
//  - EINTR never fails a call: interrupted system calls are retried with the remaining time.
//  - SIGPIPE never kills vouch: SIGPIPE is blocked in the calling thread while the child runs
//    (a write to a child that closed its stdin then fails with EPIPE, which ends the stdin write
//    and is not an error), and a SIGPIPE that became pending meanwhile is consumed before the
//    mask is restored. The child gets an empty signal mask and SIGPIPE's default disposition,
//    whatever vouch's are.
//  - Deadline: when it passes, the child is killed with SIGKILL and reaped (no zombie) and the
//    result is kDeadlineExceeded. Only the child itself is killed, not processes it started (it
//    stays in vouch's process group so that it can still prompt on /dev/tty); those see their
//    pipes closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch {

// SubprocessOptions describes one run.
struct SubprocessOptions {
  // argv[0] is the program: looked up in PATH when it contains no '/', as execvp does. Must not
  // be empty.
  std::vector<std::string> argv;
  // stdin_data is written to the child's stdin, which is then closed. Borrowed: it must outlive
  // the call. A child that exits or closes stdin before reading it all is not an error.
  ByteView stdin_data;
  // max_stdout caps the captured stdout. A child that writes more is killed and the run fails
  // with kResourceExhausted: a truncated answer is never handed out.
  size_t max_stdout = size_t{1} << 20;
  // max_stderr caps the captured stderr. Only the last max_stderr bytes are kept (the end of a
  // diagnostic says the most); more is never an error.
  size_t max_stderr = size_t{64} << 10;
  // deadline bounds the whole run: start, I/O and exit. Must be positive.
  std::chrono::milliseconds deadline = std::chrono::seconds(30);
};

// SubprocessResult is how a child that ran to the end finished, with its output.
struct SubprocessResult {
  // exit_code is the exit status when the child exited, else -1.
  int exit_code = -1;
  // term_signal is the signal that killed the child, else 0.
  int term_signal = 0;
  std::string stdout_data;
  // stderr_data is the captured stderr: its last SubprocessOptions::max_stderr bytes.
  std::string stderr_data;
  // stderr_truncated reports that bytes were dropped from the front of stderr_data.
  bool stderr_truncated = false;

  bool exited() const { return term_signal == 0; }
  bool success() const { return term_signal == 0 && exit_code == 0; }
};

// RunSubprocess runs |options.argv| as described above. A child that ran to the end, whatever
// its exit status or signal, is a success: the caller judges exit_code and the output.
//
// Errors (the message names the program):
//  - kInvalidArgument: empty argv or a non-positive deadline.
//  - kNotFound: the program is not in PATH (or the path does not exist).
//  - kPermissionDenied: the program exists but cannot be executed.
//  - kDeadlineExceeded: the deadline passed; the child was killed and reaped. The message ends
//    with the tail of its stderr (see StderrTail) when it wrote any.
//  - kResourceExhausted: stdout exceeded max_stdout; the child was killed and reaped. The message
//    ends with the tail of its stderr as well.
//  - kUnavailable: the operating system refused to create pipes or the process.
Result<SubprocessResult> RunSubprocess(const SubprocessOptions& options);

// kStderrTailSize is how much of a child's stderr goes into an error message.
inline constexpr size_t kStderrTailSize = 4096;

// StderrTail returns the last |max| bytes of |stderr_data| with surrounding whitespace trimmed,
// prefixed by "..." when something was cut, for quoting in an error message. ASCII control
// characters other than newline and tab (ESC among them) are replaced with '?', so a child cannot
// send terminal escape sequences through vouch's messages.
std::string StderrTail(std::string_view stderr_data, size_t max = kStderrTailSize);

}  // namespace vouch
