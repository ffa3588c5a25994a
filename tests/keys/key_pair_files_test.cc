// keys::WriteKeyPairFiles: a key pair replaced as one unit, with faults injected between its
// steps through the test hook, and the leftovers each fault leaves explained by the next run.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "vouch/core/file.h"
#include "vouch/keys/key_pair_files.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/vouch-keypair-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

std::string Read(const std::string& path) {
  Result<Bytes> b = ReadFile(path, 1 << 16);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  return std::string(AsChars(*b));
}

bool IsFailedPrecondition(const Status& s) { return s.code() == ErrorCode::kFailedPrecondition; }

// FailAt returns a hook that stops the write at |step| as a kill there would.
KeyPairFaultHook FailAt(KeyPairStep step) {
  return [step](KeyPairStep at) {
    return at == step ? UnavailableError("injected fault") : OkStatus();
  };
}

Status Write(const std::string& prefix, const std::string& name, bool replace,
             const KeyPairFaultHook& hook = nullptr) {
  return WriteKeyPairFiles(prefix, AsBytes("key-" + name), AsBytes("pub-" + name), replace, hook);
}

size_t Entries(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

BOOST_AUTO_TEST_SUITE(key_pair_files)

BOOST_AUTO_TEST_CASE(writes_and_replaces_the_pair) {
  TempDir dir;
  const std::string prefix = dir.path + "/release";
  BOOST_REQUIRE(Write(prefix, "A", false).ok());
  BOOST_TEST(Read(prefix + ".key") == "key-A");
  BOOST_TEST(Read(prefix + ".pub") == "pub-A");
  const auto owner_rw = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  BOOST_TEST((std::filesystem::status(prefix + ".key").permissions() == owner_rw));
  // Without replace an existing pair is kAlreadyExists and left alone.
  BOOST_TEST(IsAlreadyExists(Write(prefix, "B", false)));
  BOOST_TEST(Read(prefix + ".key") == "key-A");
  BOOST_REQUIRE(Write(prefix, "B", true).ok());
  BOOST_TEST(Read(prefix + ".key") == "key-B");
  BOOST_TEST(Read(prefix + ".pub") == "pub-B");
  BOOST_TEST(Entries(dir.path) == 2u);  // no staged or temporary file is left
  BOOST_TEST(CheckKeyPairLeftovers(prefix).ok());
}

BOOST_AUTO_TEST_CASE(fault_between_the_renames_is_explained_and_finishable) {
  TempDir dir;
  const std::string prefix = dir.path + "/release";
  BOOST_REQUIRE(Write(prefix, "A", false).ok());
  Status cut = Write(prefix, "B", true, FailAt(KeyPairStep::kPublicRenamed));
  BOOST_REQUIRE(!cut.ok());
  // The new public key is in place, the old private key too, and the new one is staged.
  BOOST_TEST(Read(prefix + ".pub") == "pub-B");
  BOOST_TEST(Read(prefix + ".key") == "key-A");
  BOOST_TEST(Read(prefix + ".key.new") == "key-B");
  BOOST_TEST(!PathExists(prefix + ".pub.new"));

  // The next run explains it: writers and key loading both refuse with what to do.
  Status left = CheckKeyPairLeftovers(prefix);
  BOOST_TEST(IsFailedPrecondition(left));
  BOOST_TEST(left.message().find("do not match") != std::string::npos, left.message());
  BOOST_TEST(left.message().find("mv " + prefix + ".key.new " + prefix + ".key") !=
                 std::string::npos,
             left.message());
  BOOST_TEST(IsFailedPrecondition(Write(prefix, "C", true)));
  BOOST_TEST(Read(prefix + ".pub") == "pub-B");
  BOOST_TEST(IsFailedPrecondition(ReadKeySpec(prefix + ".key").status()));
  BOOST_TEST(ReadKeySpec(prefix + ".pub").ok());  // the public key is the new, right one

  // Following the advice gives the new pair.
  BOOST_REQUIRE(std::rename((prefix + ".key.new").c_str(), (prefix + ".key").c_str()) == 0);
  BOOST_TEST(CheckKeyPairLeftovers(prefix).ok());
  BOOST_TEST(Read(prefix + ".key") == "key-B");
  BOOST_TEST(ReadKeySpec(prefix + ".key").ok());
}

BOOST_AUTO_TEST_CASE(fault_before_the_renames_keeps_the_old_pair) {
  TempDir dir;
  const std::string prefix = dir.path + "/release";
  BOOST_REQUIRE(Write(prefix, "A", false).ok());
  BOOST_REQUIRE(!Write(prefix, "B", true, FailAt(KeyPairStep::kStaged)).ok());
  BOOST_TEST(Read(prefix + ".key") == "key-A");
  BOOST_TEST(Read(prefix + ".pub") == "pub-A");
  Status left = CheckKeyPairLeftovers(prefix);
  BOOST_TEST(IsFailedPrecondition(left));
  BOOST_TEST(left.message().find("intact") != std::string::npos, left.message());
  // The old pair still matches, so it may still be used.
  BOOST_TEST(ReadKeySpec(prefix + ".key").ok());
  BOOST_TEST(IsFailedPrecondition(Write(prefix, "C", true)));
  std::filesystem::remove(prefix + ".key.new");
  std::filesystem::remove(prefix + ".pub.new");
  BOOST_REQUIRE(Write(prefix, "C", true).ok());
  BOOST_TEST(Read(prefix + ".key") == "key-C");
  BOOST_TEST(Read(prefix + ".pub") == "pub-C");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
