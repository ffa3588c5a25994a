// File I/O seam: every byte vouch reads from or writes to disk goes through these functions, so
// that size caps, atomic writes and error mapping live in one place.
//
// Error mapping: a missing file is kNotFound, EACCES is kPermissionDenied, other I/O failures are
// kUnavailable (operational, exit 3), a file larger than the caller's cap is kResourceExhausted.
//
// Local input is bounded: a path given to OpenFileSource or ReadFile must name a regular file
// (symbolic links are followed). A FIFO, a directory, a device or a socket is refused at once with
// kInvalidArgument "PATH is a FIFO, not a file" (a directory, a device...) instead of blocking on
// a FIFO without a writer or reading /dev/zero forever. Standard input is read only where a
// command asks for it by the name "-", and under the same caps.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch {

// ByteSource is a forward-only stream of bytes (a file, stdin, or memory).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Read fills up to buf.size() bytes and returns how many it wrote; 0 means end of stream.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
  // Map returns the whole remaining content as one view when the source can provide it without
  // copying (a regular file through mmap, or memory), else nullopt. The view lives as long as the
  // source. Used only by algorithms that need the whole message at once (Ed25519).
  virtual std::optional<ByteView> Map() { return std::nullopt; }
  // Name is a human-readable name for error messages ("stdin", a path).
  virtual std::string Name() const = 0;
};

// OpenFileSource opens |path| for streaming; "-" means standard input. Anything but a regular
// file is kInvalidArgument (see above), decided without blocking.
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);

// MemorySource streams a borrowed buffer, which must outlive the source.
std::unique_ptr<ByteSource> MemorySource(ByteView data, std::string name = "memory");

// ReadSource reads a whole source into memory, failing with kResourceExhausted past |max_size|.
Result<Bytes> ReadSource(ByteSource& source, size_t max_size);

// ReadFile reads a whole file ("-" is stdin) into memory, failing with kResourceExhausted when it
// is larger than |max_size| bytes (checked before and while reading). Anything but a regular
// file (or "-") is kInvalidArgument, decided without blocking.
Result<Bytes> ReadFile(const std::string& path, size_t max_size);

enum class WriteMode {
  kCreateNew,  // fail with kAlreadyExists when the path exists
  kOverwrite,  // replace atomically
};

// WriteFileAtomic writes |data| to |path| with permission bits |perm| via a temporary file in the
// same directory, fsync and rename: readers see the old content or the new, never a partial file.
// With kCreateNew an existing file is left untouched and the result is kAlreadyExists.
Status WriteFileAtomic(const std::string& path, ByteView data, uint32_t perm, WriteMode mode);

// SyncDirectoryOf fsyncs the directory holding |path|, so that renames into it survive a crash.
// Failures are mapped as above.
Status SyncDirectoryOf(const std::string& path);

// PathExists reports whether |path| names an existing file system entry.
bool PathExists(const std::string& path);

// XdgBaseDir returns the XDG base directory the environment variable |variable| names
// ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"), else $HOME/|home_default| (".config", ".cache"), else
// "" when HOME is unset too.
std::string XdgBaseDir(const char* variable, std::string_view home_default);

// ErrnoToStatus maps an errno value to a Status with |what| as context.
Status ErrnoToStatus(int err, const std::string& what);

}  // namespace vouch
