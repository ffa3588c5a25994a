#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "vouch/core/file.h"

namespace vouch {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/vouch-core-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

BOOST_AUTO_TEST_SUITE(file)

BOOST_AUTO_TEST_CASE(atomic_write_create_new_and_overwrite) {
  TempDir dir;
  std::string p = dir.path + "/k.key";
  BOOST_TEST(WriteFileAtomic(p, AsBytes("one"), 0600, WriteMode::kCreateNew).ok());
  struct stat st {};
  BOOST_REQUIRE(stat(p.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  Status again = WriteFileAtomic(p, AsBytes("two"), 0600, WriteMode::kCreateNew);
  BOOST_TEST(IsAlreadyExists(again));
  BOOST_TEST(ToString(*ReadFile(p, 100)) == "one");
  BOOST_TEST(WriteFileAtomic(p, AsBytes("two"), 0644, WriteMode::kOverwrite).ok());
  BOOST_TEST(ToString(*ReadFile(p, 100)) == "two");
  // No temporary files are left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    (void)e;
    ++entries;
  }
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(read_file_errors) {
  TempDir dir;
  BOOST_TEST(IsNotFound(ReadFile(dir.path + "/missing", 10).status()));
  std::string p = dir.path + "/big";
  BOOST_REQUIRE(WriteFileAtomic(p, AsBytes("0123456789"), 0600, WriteMode::kCreateNew).ok());
  BOOST_TEST(IsResourceExhausted(ReadFile(p, 9).status()));
  BOOST_TEST(ReadFile(p, 10).ok());
  BOOST_TEST(IsInvalidArgument(ReadFile(dir.path, 10).status()));
}

BOOST_AUTO_TEST_CASE(file_source_maps_regular_files) {
  TempDir dir;
  std::string p = dir.path + "/m";
  BOOST_REQUIRE(WriteFileAtomic(p, AsBytes("mapped"), 0600, WriteMode::kCreateNew).ok());
  auto src = OpenFileSource(p);
  BOOST_REQUIRE(src.ok());
  auto view = (*src)->Map();
  BOOST_REQUIRE(view.has_value());
  BOOST_TEST(AsChars(*view) == "mapped");
}

// RunBounded runs |check| in a child process that SIGALRM kills after 5 seconds, so a
// read that blocks (the regression these tests guard against) fails the test instead of hanging
// it. Returns the child's exit code, or -1 when it did not exit normally (killed, timed out).
int RunBounded(const std::function<int()>& check) {
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(5);
    _exit(check());
  }
  int status = 0;
  BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Exit codes of the child: 0 refused as asked, 1 a different status, 2 read succeeded.
int RefusedWith(const Result<Bytes>& r, const std::string& phrase) {
  if (r.ok()) {
    return 2;
  }
  return IsInvalidArgument(r.status()) &&
                 r.status().message().find(phrase) != std::string::npos
             ? 0
             : 1;
}

BOOST_AUTO_TEST_CASE(fifo_without_writer_is_refused_at_once) {
  TempDir dir;
  std::string fifo = dir.path + "/pipe";
  BOOST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(RunBounded([&] { return RefusedWith(ReadFile(fifo, 100), "is a FIFO, not a file"); }) ==
             0);
  BOOST_TEST(RunBounded([&] {
               auto src = OpenFileSource(fifo);
               return !src.ok() && IsInvalidArgument(src.status()) ? 0 : 1;
             }) == 0);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 4000);
}

BOOST_AUTO_TEST_CASE(directory_and_device_are_refused) {
  TempDir dir;
  BOOST_TEST(RunBounded([&] {
               return RefusedWith(ReadFile(dir.path, 100), "is a directory, not a file");
             }) == 0);
  // /dev/zero never ends: without the check the read runs to the cap; with it, it never starts.
  BOOST_TEST(RunBounded([] { return RefusedWith(ReadFile("/dev/zero", 1 << 20), "is a device"); }) ==
             0);
  BOOST_TEST(RunBounded([] {
               auto src = OpenFileSource("/dev/null");
               return !src.ok() && IsInvalidArgument(src.status()) ? 0 : 1;
             }) == 0);
}

BOOST_AUTO_TEST_CASE(symlink_to_regular_file_is_read) {
  TempDir dir;
  std::string p = dir.path + "/real";
  BOOST_REQUIRE(WriteFileAtomic(p, AsBytes("content"), 0600, WriteMode::kCreateNew).ok());
  std::filesystem::create_symlink(p, dir.path + "/link");
  Result<Bytes> r = ReadFile(dir.path + "/link", 100);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(ToString(*r) == "content");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
