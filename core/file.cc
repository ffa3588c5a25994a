#include "vouch/core/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

#include "vouch/core/bytes.h"

namespace vouch {
namespace {

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, bool owned, std::string name) : fd_(fd), owned_(owned), name_(std::move(name)) {}
  ~FdSource() override {
    if (map_ != nullptr) {
      munmap(map_, map_size_);
    }
    if (owned_) {
      close(fd_);
    }
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  Result<size_t> Read(std::span<uint8_t> buf) override {
    for (;;) {
      ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n >= 0) {
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) {
        return ErrnoToStatus(errno, "reading " + name_);
      }
    }
  }

  std::optional<ByteView> Map() override {
    if (map_ != nullptr) {
      return ByteView(static_cast<const uint8_t*>(map_), map_size_);
    }
    struct stat st {};
    if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      return std::nullopt;
    }
    off_t pos = lseek(fd_, 0, SEEK_CUR);
    if (pos < 0 || pos > st.st_size) {
      return std::nullopt;
    }
    size_t size = static_cast<size_t>(st.st_size - pos);
    if (size == 0) {
      return ByteView();
    }
    // mmap needs a page-aligned offset; only map from the start, which is the only use here.
    if (pos != 0) {
      return std::nullopt;
    }
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      return std::nullopt;
    }
    madvise(p, size, MADV_SEQUENTIAL);
    map_ = p;
    map_size_ = size;
    return ByteView(static_cast<const uint8_t*>(map_), map_size_);
  }

  std::string Name() const override { return name_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

class MemSource final : public ByteSource {
 public:
  MemSource(ByteView data, std::string name) : data_(data), name_(std::move(name)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    if (n > 0) {
      std::memcpy(buf.data(), data_.data() + pos_, n);
    }
    pos_ += n;
    return n;
  }
  std::optional<ByteView> Map() override { return data_.subspan(pos_); }
  std::string Name() const override { return name_; }

 private:
  ByteView data_;
  size_t pos_ = 0;
  std::string name_;
};

}  // namespace

Status ErrnoToStatus(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(msg);
    case EACCES:
    case EPERM:
      return PermissionDeniedError(msg);
    case EEXIST:
      return AlreadyExistsError(msg);
    case EISDIR:
      return InvalidArgumentError(msg);
    default:
      return UnavailableError(msg);
  }
}

namespace {

// FileKind names a non-regular file type for the refusal message.
const char* FileKind(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISCHR(mode) || S_ISBLK(mode)) {
    return "a device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

// OpenRegularFile opens |path| for reading and returns the descriptor and its size, refusing
// anything but a regular file. O_NONBLOCK keeps open() from waiting for a writer when |path| is
// a FIFO; it is cleared again once fstat has shown a regular file, so reads behave as usual.
Result<std::pair<int, uint64_t>> OpenRegularFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    return ErrnoToStatus(errno, "opening " + path);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ErrnoToStatus(err, "opening " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    const char* kind = FileKind(st.st_mode);
    return InvalidArgumentError(path + " is " + kind + ", not a file");
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    int err = errno;
    close(fd);
    return ErrnoToStatus(err, "opening " + path);
  }
  return std::pair<int, uint64_t>(fd, static_cast<uint64_t>(st.st_size));
}

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<ByteSource>(new FdSource(STDIN_FILENO, false, "stdin"));
  }
  VOUCH_ASSIGN_OR_RETURN(auto opened, OpenRegularFile(path));
  return std::unique_ptr<ByteSource>(new FdSource(opened.first, true, path));
}

std::unique_ptr<ByteSource> MemorySource(ByteView data, std::string name) {
  return std::make_unique<MemSource>(data, std::move(name));
}

Result<Bytes> ReadSource(ByteSource& source, size_t max_size) {
  Bytes out;
  uint8_t buf[64 * 1024];
  for (;;) {
    VOUCH_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) {
      break;
    }
    if (out.size() + n > max_size) {
      return ResourceExhaustedError(source.Name() + " is larger than the limit of " +
                                    std::to_string(max_size) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Result<Bytes> ReadFile(const std::string& path, size_t max_size) {
  if (path == "-") {
    FdSource in(STDIN_FILENO, false, "stdin");
    return ReadSource(in, max_size);
  }
  VOUCH_ASSIGN_OR_RETURN(auto opened, OpenRegularFile(path));
  FdSource source(opened.first, true, path);
  if (opened.second > max_size) {
    return ResourceExhaustedError(path + " is larger than the limit of " +
                                  std::to_string(max_size) + " bytes");
  }
  // The size is checked again while reading: the file may grow after fstat.
  return ReadSource(source, max_size);
}

Status WriteFileAtomic(const std::string& path, ByteView data, uint32_t perm, WriteMode mode) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  std::random_device rd;
  std::string tmp =
      (dir / ("." + target.filename().string() + ".tmp" + std::to_string(rd()))).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm & 07777);
  if (fd < 0) {
    return ErrnoToStatus(errno, "creating a temporary file beside " + path);
  }
  // The umask may have narrowed the mode; set exactly what the caller asked for.
  if (fchmod(fd, perm & 07777) != 0) {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return ErrnoToStatus(err, "setting permissions on " + path);
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return ErrnoToStatus(err, "writing " + path);
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoToStatus(err, "flushing " + path);
  }
  if (mode == WriteMode::kCreateNew) {
    // link() fails with EEXIST instead of replacing: no window where an existing file is lost.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      unlink(tmp.c_str());
      if (err == EEXIST) {
        return AlreadyExistsError(path + " already exists (use --force to overwrite)");
      }
      return ErrnoToStatus(err, "creating " + path);
    }
    unlink(tmp.c_str());
    return OkStatus();
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoToStatus(err, "replacing " + path);
  }
  return OkStatus();
}

Status SyncDirectoryOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoToStatus(errno, "opening directory " + dir.string());
  }
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) {
    return ErrnoToStatus(err, "flushing directory " + dir.string());
  }
  return OkStatus();
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string XdgBaseDir(const char* variable, std::string_view home_default) {
  if (const char* x = std::getenv(variable); x != nullptr && *x != '\0') {
    return x;
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::string(h) + "/" + std::string(home_default);
  }
  return "";
}

}  // namespace vouch
