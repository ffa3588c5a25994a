#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
