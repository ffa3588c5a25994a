// NotationPki: the certificate chain Notation signing needs, made with the openssl command at
// run time (no fixture files), and a notation configuration folder whose trust store `ca:acme`
// holds its root. Shared by the suites that sign with --format notation-* (cli, images, keyless);
// each writes the trust policy documents it needs.
#pragma once

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace vouch::testing {

struct NotationPki {
  // kOrg is the subject prefix of both certificates: "x509.subject:C=US,ST=WA,O=Acme" matches
  // the leaf, whose subject renders "CN=release,O=Acme,ST=WA,C=US".
  static constexpr const char* kOrg = "/C=US/ST=WA/O=Acme";

  TempDir dir;
  std::string key = dir.File("leaf.pem");  // PKCS#8 private key of the leaf
  std::string pub = dir.File("leaf.pub");
  std::string ca = dir.File("ca.pem");
  std::string chain = dir.File("chain.pem");  // leaf, then the root
  std::string notation_dir = dir.File("notation");

  void Openssl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = Run(argv);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "openssl " << args[0] << ": " << r.err);
  }

  // A root CA and a code-signing leaf (10 days), both EC keys on |curve|.
  explicit NotationPki(const std::string& curve = "P-256") {
    const std::string org = kOrg;
    Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + curve, "-nodes",
             "-keyout", dir.File("ca.key"), "-out", ca, "-days", "30", "-subj",
             org + "/CN=Acme Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign"});
    Openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve, "-out", key});
    Openssl({"pkey", "-in", key, "-pubout", "-out", pub});
    Openssl(
        {"req", "-new", "-key", key, "-subj", org + "/CN=release", "-out", dir.File("leaf.csr")});
    WriteText(dir.File("leaf.ext"),
              "keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n"
              "basicConstraints=CA:FALSE\n");
    Openssl({"x509", "-req", "-in", dir.File("leaf.csr"), "-CA", ca, "-CAkey", dir.File("ca.key"),
             "-CAcreateserial", "-days", "10", "-extfile", dir.File("leaf.ext"), "-out",
             dir.File("leaf.crt")});
    WriteText(chain, ReadText(dir.File("leaf.crt")) + ReadText(ca));
    AddToStore("ca", "acme", ReadText(ca));
  }

  // AddToStore writes |pem| into the trust store truststore/x509/|kind|/|name|/.
  void AddToStore(const std::string& kind, const std::string& name, const std::string& pem) const {
    const std::string store = notation_dir + "/truststore/x509/" + kind + "/" + name;
    std::filesystem::create_directories(store);
    WriteText(store + "/root.pem", pem);
  }
};

}  // namespace vouch::testing
