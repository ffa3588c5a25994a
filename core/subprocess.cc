// RunSubprocess: posix_spawnp + one poll() loop. See subprocess.h for the guarantees.
#include "vouch/core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/internal/fd.h"

extern char** environ;

namespace vouch {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return UnavailableError(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

Status SetNonBlocking(const Fd& fd) {
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return UnavailableError(std::string("cannot set up a pipe: ") + std::strerror(errno));
  }
  return OkStatus();
}

// SigpipeBlock blocks SIGPIPE in the calling thread for its lifetime. A SIGPIPE raised by our own
// writes meanwhile stays pending and is consumed on destruction, unless one was already pending
// before (that one belongs to somebody else and is left alone).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// SpawnSetup owns posix_spawn attributes and file actions.
struct SpawnSetup {
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
};

// Reap waits for |pid| (retrying on EINTR) and returns its wait status.
int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  Reap(pid);
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    return 0;
  }
  // Round up so that a sub-millisecond remainder still waits instead of spinning.
  return static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
}

std::string WithStderr(std::string message, const std::string& err) {
  std::string tail = StderrTail(err);
  if (!tail.empty()) {
    message += "; its stderr: " + tail;
  }
  return message;
}

void AppendStderr(std::string& err, bool& truncated, const char* data, size_t n, size_t cap) {
  err.append(data, n);
  // Trim in batches (at twice the cap) so that a chatty child costs amortized linear time.
  if (err.size() > 2 * cap + 4096) {
    err.erase(0, err.size() - cap);
    truncated = true;
  }
}

}  // namespace

std::string StderrTail(std::string_view stderr_data, size_t max) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!stderr_data.empty() && is_space(stderr_data.back())) {
    stderr_data.remove_suffix(1);
  }
  while (!stderr_data.empty() && is_space(stderr_data.front())) {
    stderr_data.remove_prefix(1);
  }
  std::string out;
  if (stderr_data.size() > max) {
    out = "...";
    stderr_data = stderr_data.substr(stderr_data.size() - max);
  }
  for (char c : stderr_data) {
    auto u = static_cast<unsigned char>(c);
    out.push_back((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f ? '?' : c);
  }
  return out;
}

Result<SubprocessResult> RunSubprocess(const SubprocessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return InvalidArgumentError("no program to run");
  }
  if (options.deadline.count() <= 0) {
    return InvalidArgumentError("the deadline for " + options.argv[0] + " must be positive");
  }
  const std::string& program = options.argv[0];
  const Clock::time_point deadline = Clock::now() + options.deadline;

  VOUCH_ASSIGN_OR_RETURN(Pipe in, MakePipe());
  VOUCH_ASSIGN_OR_RETURN(Pipe out, MakePipe());
  VOUCH_ASSIGN_OR_RETURN(Pipe err, MakePipe());

  SpawnSetup setup;
  // The child starts with an empty signal mask and SIGPIPE at its default, whatever ours are
  // (a blocked or ignored SIGPIPE would otherwise be inherited across exec).
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &pipe_only);
  posix_spawnattr_setflags(&setup.attr,
                           static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  // dup2 clears O_CLOEXEC on 0, 1 and 2 only; every other pipe end closes on exec.
  posix_spawn_file_actions_adddup2(&setup.actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), 2);

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  std::vector<std::string> args = options.argv;  // posix_spawnp takes char* const[]
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  SigpipeBlock sigpipe_block;
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attr, argv.data(), environ);
  in.read.Close();
  out.write.Close();
  err.write.Close();
  if (rc != 0) {
    if (rc == ENOENT || rc == ENOTDIR) {
      return NotFoundError(program.find('/') == std::string::npos
                               ? "program " + program + " is not in PATH"
                               : "program " + program + " does not exist");
    }
    if (rc == EACCES || rc == EPERM || rc == ENOEXEC) {
      return PermissionDeniedError("cannot execute " + program + ": " + std::strerror(rc));
    }
    return UnavailableError("cannot start " + program + ": " + std::strerror(rc));
  }

  Status setup_status = SetNonBlocking(in.write);
  if (setup_status.ok()) {
    setup_status = SetNonBlocking(out.read);
  }
  if (setup_status.ok()) {
    setup_status = SetNonBlocking(err.read);
  }
  if (!setup_status.ok()) {
    KillAndReap(pid);
    return setup_status;
  }

  SubprocessResult result;
  size_t written = 0;
  if (options.stdin_data.empty()) {
    in.write.Close();
  }
  char buf[16384];
  while (in.write.open() || out.read.open() || err.read.open()) {
    pollfd fds[3];
    nfds_t n = 0;
    int in_idx = -1;
    int out_idx = -1;
    int err_idx = -1;
    if (in.write.open()) {
      in_idx = static_cast<int>(n);
      fds[n++] = pollfd{in.write.get(), POLLOUT, 0};
    }
    if (out.read.open()) {
      out_idx = static_cast<int>(n);
      fds[n++] = pollfd{out.read.get(), POLLIN, 0};
    }
    if (err.read.open()) {
      err_idx = static_cast<int>(n);
      fds[n++] = pollfd{err.read.get(), POLLIN, 0};
    }
    int timeout = RemainingMs(deadline);
    if (timeout == 0) {
      KillAndReap(pid);
      return DeadlineExceededError(WithStderr(program + " did not finish within " +
                                                  std::to_string(options.deadline.count()) +
                                                  "ms and was killed",
                                              result.stderr_data));
    }
    int ready = poll(fds, n, timeout);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      int e = errno;
      KillAndReap(pid);
      return UnavailableError("waiting for " + program + ": " + std::strerror(e));
    }
    if (ready == 0) {
      continue;  // the deadline check above fires
    }
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      if ((fds[in_idx].revents & (POLLERR | POLLHUP)) != 0) {
        in.write.Close();  // the child closed its stdin: it has read all it wants
      } else {
        size_t chunk = std::min<size_t>(options.stdin_data.size() - written, 65536);
        ssize_t w = write(in.write.get(), options.stdin_data.data() + written, chunk);
        if (w > 0) {
          written += static_cast<size_t>(w);
          if (written == options.stdin_data.size()) {
            in.write.Close();
          }
        } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
          in.write.Close();  // EPIPE (SIGPIPE is blocked) or another error: stop feeding
        }
      }
    }
    if (out_idx >= 0 && fds[out_idx].revents != 0) {
      ssize_t r = read(out.read.get(), buf, sizeof(buf));
      if (r > 0) {
        if (result.stdout_data.size() + static_cast<size_t>(r) > options.max_stdout) {
          KillAndReap(pid);
          return ResourceExhaustedError(WithStderr(program + " wrote more than " +
                                                       std::to_string(options.max_stdout) +
                                                       " bytes to stdout and was killed",
                                                   result.stderr_data));
        }
        result.stdout_data.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        out.read.Close();
      }
    }
    if (err_idx >= 0 && fds[err_idx].revents != 0) {
      ssize_t r = read(err.read.get(), buf, sizeof(buf));
      if (r > 0) {
        AppendStderr(result.stderr_data, result.stderr_truncated, buf, static_cast<size_t>(r),
                     options.max_stderr);
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        err.read.Close();
      }
    }
  }
  if (result.stderr_data.size() > options.max_stderr) {
    result.stderr_data.erase(0, result.stderr_data.size() - options.max_stderr);
    result.stderr_truncated = true;
  }

  // Both outputs are closed; the child normally exits now. Wait for it within the deadline.
  int status = 0;
  while (true) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      break;
    }
    if (w < 0 && errno != EINTR) {
      return UnavailableError("waiting for " + program + ": " + std::strerror(errno));
    }
    int timeout = RemainingMs(deadline);
    if (timeout == 0) {
      KillAndReap(pid);
      return DeadlineExceededError(WithStderr(program + " did not exit within " +
                                                  std::to_string(options.deadline.count()) +
                                                  "ms and was killed",
                                              result.stderr_data));
    }
    poll(nullptr, 0, std::min(timeout, 5));
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace vouch
