// Blob signatures interoperate with the openssl command-line tool in both directions:
//   * `openssl dgst -sha256 -verify vouch.pub -signature <raw DER>` accepts what vouch signs;
//   * `vouch verify-blob` accepts what `openssl dgst -sha256 -sign` (P-256) and
//     `openssl pkeyutl -sign -rawin` (Ed25519) make, including openssl's wrapped base64.
// A missing openssl binary fails the suite: it is a declared test dependency, never a skip.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/core/bytes.h"

namespace vouch::testing {
namespace {

RunOptions WithPassword() {
  RunOptions o;
  o.env["VOUCH_PASSWORD"] = "interop";
  return o;
}

void MustRun(const std::vector<std::string>& argv, const RunOptions& options = {}) {
  RunResult r = Run(argv, options);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, argv[0] << " " << argv[1] << " failed (exit "
                                                  << r.exit_code << "): " << r.err);
}

// A file with bytes of every value, larger than one stream buffer.
std::string Artifact() {
  std::string data;
  for (int i = 0; i < (1 << 21) + 77; ++i) {
    data += static_cast<char>((i * 7 + i / 256) % 256);
  }
  return data;
}

BOOST_AUTO_TEST_SUITE(interop_blob)

BOOST_AUTO_TEST_CASE(openssl_verifies_vouch_signatures) {
  TempDir dir;
  WriteText(dir.File("artifact"), Artifact());
  RunResult r = Vouch({"key", "generate", "--output-key-prefix", dir.File("v")}, WithPassword());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = Vouch({"sign-blob", dir.File("artifact"), "--key", dir.File("v.key"), "--output-signature",
             dir.File("sig.b64"), "--bundle", dir.File("b.json")},
            WithPassword());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto der = Base64Decode(ReadText(dir.File("sig.b64")));
  BOOST_REQUIRE(der.ok());
  WriteText(dir.File("sig.der"), ToString(*der));

  r = Run({"openssl", "dgst", "-sha256", "-verify", dir.File("v.pub"), "-signature",
           dir.File("sig.der"), dir.File("artifact")});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Verified OK\n");

  // Negative: openssl rejects the same signature over a modified file.
  WriteText(dir.File("artifact2"), Artifact() + "x");
  r = Run({"openssl", "dgst", "-sha256", "-verify", dir.File("v.pub"), "-signature",
           dir.File("sig.der"), dir.File("artifact2")});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(vouch_verifies_openssl_p256_signatures) {
  TempDir dir;
  WriteText(dir.File("artifact"), Artifact());
  MustRun({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
           dir.File("key.pem")});
  MustRun({"openssl", "pkey", "-in", dir.File("key.pem"), "-pubout", "-out", dir.File("pub.pem")});
  MustRun({"openssl", "dgst", "-sha256", "-sign", dir.File("key.pem"), "-out", dir.File("sig.der"),
           dir.File("artifact")});
  // openssl base64 wraps lines at 64 columns; vouch ignores the line breaks.
  MustRun({"openssl", "base64", "-in", dir.File("sig.der"), "-out", dir.File("sig.b64")});

  RunResult r = Vouch({"verify-blob", dir.File("artifact"), "--key", dir.File("pub.pem"),
                       "--signature", dir.File("sig.b64")});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Verified OK\n");

  WriteText(dir.File("artifact2"), Artifact() + "x");
  r = Vouch({"verify-blob", dir.File("artifact2"), "--key", dir.File("pub.pem"), "--signature",
             dir.File("sig.b64")});
  BOOST_TEST(r.exit_code == 1, r.err);

  // The plain PKCS#8 key openssl wrote signs with vouch too, and openssl verifies the result.
  r = Vouch({"sign-blob", dir.File("artifact"), "--key", dir.File("key.pem"), "--output-signature",
             dir.File("v.b64")});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto der = Base64Decode(ReadText(dir.File("v.b64")));
  BOOST_REQUIRE(der.ok());
  WriteText(dir.File("v.der"), ToString(*der));
  r = Run({"openssl", "dgst", "-sha256", "-verify", dir.File("pub.pem"), "-signature",
           dir.File("v.der"), dir.File("artifact")});
  BOOST_TEST(r.exit_code == 0, r.err);
}

BOOST_AUTO_TEST_CASE(ed25519_both_ways) {
  TempDir dir;
  const std::string data = "ed25519 interop\n";
  WriteText(dir.File("artifact"), data);
  MustRun({"openssl", "genpkey", "-algorithm", "ed25519", "-out", dir.File("ed.pem")});
  MustRun({"openssl", "pkey", "-in", dir.File("ed.pem"), "-pubout", "-out", dir.File("ed.pub")});
  MustRun({"openssl", "pkeyutl", "-sign", "-rawin", "-inkey", dir.File("ed.pem"), "-in",
           dir.File("artifact"), "-out", dir.File("sig.raw")});
  WriteText(dir.File("sig.b64"), Base64Encode(AsBytes(ReadText(dir.File("sig.raw")))));
  RunResult r = Vouch({"verify-blob", dir.File("artifact"), "--key", dir.File("ed.pub"),
                       "--signature", dir.File("sig.b64")});
  BOOST_TEST(r.exit_code == 0, r.err);

  // vouch signs with the openssl key; openssl verifies.
  r = Vouch({"sign-blob", dir.File("artifact"), "--key", dir.File("ed.pem"), "--output-signature",
             dir.File("v.b64")});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto raw = Base64Decode(ReadText(dir.File("v.b64")));
  BOOST_REQUIRE(raw.ok());
  BOOST_TEST(raw->size() == 64u);
  WriteText(dir.File("v.raw"), ToString(*raw));
  r = Run({"openssl", "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", dir.File("ed.pub"), "-in",
           dir.File("artifact"), "-sigfile", dir.File("v.raw")});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
