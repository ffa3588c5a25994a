// Fd: RAII ownership of a file descriptor (pipes of core's subprocess runner, the shared
// cache's Redis socket).
//
// Internal to vouch: include as "core/internal/fd.h" (link vouch::core_internal PRIVATELY).
#pragma once

#include <unistd.h>

#include <utility>

namespace vouch {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) {
      // close() is not retried on EINTR: on Linux the descriptor is released either way.
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace vouch
