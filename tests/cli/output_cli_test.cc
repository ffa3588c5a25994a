// `--output json` of every command that prints a result, checked against the table that
// documents it in docs/output.md (testutil/json_shape.h); `-q` and `-v`; and `vouch help CMD`
// equal to `vouch CMD --help` for every command of the table. Images are OCI layouts (oci:DIR),
// so no registry is needed.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "keyless/oci_layout.h"
#include "testutil/json_shape.h"
#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

namespace bdata = boost::unit_test::data;
using nlohmann::json;

// Fixture is made once per process: a key pair (plain PEM, no scrypt), a signed file and an OCI
// layout holding one image, signed, and a trust policy accepting that key.
struct Fixture {
  TempDir dir;
  Layout layout;
  std::string image;
  Fixture() {
    BOOST_REQUIRE(Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                       "ec_paramgen_curve:P-256", "-out", dir.File("k.pem")})
                      .exit_code == 0);
    BOOST_REQUIRE(
        Run({"openssl", "pkey", "-in", dir.File("k.pem"), "-pubout", "-out", dir.File("k.pub")})
            .exit_code == 0);
    WriteText(dir.File("a.txt"), "hello\n");
    WriteText(dir.File("pred.json"), R"({"note": "test"})");
    image = Digest::Of(AsBytes(layout.AddMinimalImage("app"))).ToString();
    layout.Finish();
    WriteText(dir.File("policy.json"),
              R"({"version": 1, "authorities": {"r": {"key": {"path": ")" + dir.File("k.pub") +
                  R"("}}}, "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                  "signatures": {"authorities": ["r"]}}]})");
    Must({"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--bundle", "{dir}/a.bundle"});
    Must({"sign", "{img}", "--key", "{dir}/k.pem"});
  }
  // Expand replaces {dir} (the fixture folder) and {img} (the signed image, oci:DIR@sha256:…).
  std::vector<std::string> Expand(const std::vector<std::string>& args) const {
    std::vector<std::string> out;
    for (std::string a : args) {
      for (const auto& [from, to] :
           std::map<std::string, std::string>{{"{dir}", dir.path()},
                                              {"{img}", "oci:" + layout.dir.path() + "@" + image},
                                              {"{layout}", layout.dir.path()}}) {
        for (size_t at = a.find(from); at != std::string::npos; at = a.find(from)) {
          a.replace(at, from.size(), to);
        }
      }
      out.push_back(a);
    }
    return out;
  }
  RunResult Vouch(const std::vector<std::string>& args, const RunOptions& options = {}) const {
    return testing::Vouch(Expand(args), options);
  }
  void Must(const std::vector<std::string>& args) const {
    RunResult r = Vouch(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, args[0] << ": " << r.err);
  }
};
const Fixture& F() {
  static Fixture f;
  return f;
}

struct Case {
  const char* shape;  // the "## <shape>" section of docs/output.md
  std::vector<std::string> args;
  int exit_code = 0;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.shape << ": " << c.args[0] << (c.args.size() > 1 ? " " + c.args[1] : "");
}

const Case kCases[] = {
    {"sign-blob", {"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--bundle", "{dir}/b1"}},
    {"sign-blob",
     {"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--output-signature", "{dir}/s1"}},
    {"attest-blob",
     {"attest-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--predicate", "{dir}/pred.json",
      "--type", "https://example.test/t", "--bundle", "{dir}/ab1"}},
    {"verify-blob",
     {"verify-blob", "{dir}/a.txt", "--key", "{dir}/k.pub", "--bundle", "{dir}/a.bundle"}},
    {"verify-blob",
     {"verify-blob", "{dir}/pred.json", "--key", "{dir}/k.pub", "--bundle", "{dir}/a.bundle"},
     1},
    {"verify-blob",
     {"verify-bundle", "--bundle", "{dir}/a.bundle", "--key", "{dir}/k.pub", "{dir}/a.txt"}},
    {"verify-blob",
     {"verify-bundle", "--bundle", "{dir}/a.bundle", "--key", "{dir}/k.pub", "{dir}/pred.json"},
     1},
    {"sign", {"sign", "{img}", "--key", "{dir}/k.pem"}},
    {"sign", {"sign", "{img}", "--key", "{dir}/k.pem", "--format", "legacy"}},
    {"attest",
     {"attest", "{img}", "--key", "{dir}/k.pem", "--predicate", "{dir}/pred.json", "--type",
      "https://example.test/t"}},
    {"copy", {"copy", "{img}", "oci:{dir}/copy:app"}},
    {"resolve", {"resolve", "oci:{layout}:app"}},
    {"provenance",
     {"provenance", "--subject", "{dir}/a.txt", "--builder-id", "https://example.test/b",
      "--build-type", "https://example.test/t", "--source-uri", "https://example.test/repo",
      "--source-digest", "sha1:" + std::string(40, 'a'), "--output-file", "{dir}/prov.json"}},
    {"key public", {"key", "public", "--key", "{dir}/k.pem"}},
    {"key info", {"key", "info", "--key", "{dir}/k.pub"}},
    {"key generate",
     {"key", "export-cosign", "--key", "{dir}/k.pem", "--output-key-prefix", "{dir}/cosign",
      "--scrypt-n", "32768"}},
    {"verify", {"verify", "{img}", "--key", "{dir}/k.pub"}},
    {"verify --policy", {"verify", "--policy", "{dir}/policy.json", "{img}"}},
    {"verify-attestation",
     {"verify-attestation", "{img}", "--key", "{dir}/k.pub", "--type", "https://example.test/t"}},
    {"inspect", {"inspect", "{img}", "--key", "{dir}/k.pub"}},
    {"tree", {"tree", "{img}"}},
    {"promote", {"promote", "{img}", "oci:{dir}/promoted:app", "--policy", "{dir}/policy.json"}},
    {"policy lint", {"policy", "lint", "{dir}/policy.json"}},
};

BOOST_AUTO_TEST_SUITE(output_cli)

BOOST_DATA_TEST_CASE(json_output_has_the_documented_shape, bdata::make(kCases), c) {
  std::vector<std::string> args = c.args;
  args.insert(args.end(), {"--output", "json"});
  RunOptions options;
  options.env["COSIGN_PASSWORD"] = "cosign pw";
  RunResult r = F().Vouch(args, options);
  BOOST_TEST(r.exit_code == c.exit_code, r.err);
  for (const std::string& problem : ShapeProblems(r.out, DocumentedShape(c.shape))) {
    BOOST_ERROR(problem);
  }
  BOOST_TEST(json::parse(r.out, nullptr, false)["schemaVersion"] == 1, r.out);
}

BOOST_AUTO_TEST_CASE(key_generate_json_names_the_files_and_the_key) {
  RunOptions options;
  options.env["VOUCH_PASSWORD"] = "pw";
  RunResult r = F().Vouch(
      {"key", "generate", "--output-key-prefix", "{dir}/gen", "--output", "json"}, options);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const std::string& problem : ShapeProblems(r.out, DocumentedShape("key generate"))) {
    BOOST_ERROR(problem);
  }
  const json j = json::parse(r.out);
  BOOST_TEST(j["privateKey"] == F().dir.File("gen.key"));
  BOOST_TEST(j["publicKey"] == F().dir.File("gen.pub"));
  RunResult info = F().Vouch({"key", "info", "--key", "{dir}/gen.pub", "-o", "json"});
  BOOST_TEST(json::parse(info.out)["keyId"] == j["key"]["keyId"], info.out);
}

BOOST_AUTO_TEST_CASE(json_fields_say_what_was_signed_and_where) {
  RunResult blob = F().Vouch(
      {"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--bundle", "{dir}/b2", "-o", "json"});
  BOOST_REQUIRE_MESSAGE(blob.exit_code == 0, blob.err);
  const json b = json::parse(blob.out);
  BOOST_TEST(b["digest"] == Digest::Of(AsBytes(std::string("hello\n"))).ToString());
  BOOST_TEST(b["bundle"] == F().dir.File("b2"));
  BOOST_TEST(b["signature"].is_null());
  BOOST_TEST(b["signer"]["type"] == "key");
  BOOST_TEST(b["tlogEntries"].empty());

  RunResult legacy =
      F().Vouch({"sign", "{img}", "--key", "{dir}/k.pem", "--format", "legacy", "-o", "json"});
  BOOST_REQUIRE_MESSAGE(legacy.exit_code == 0, legacy.err);
  const json l = json::parse(legacy.out)["manifests"][0];
  BOOST_TEST(l["digest"] == F().image);
  BOOST_TEST(l["tag"] == "sha256-" + F().image.substr(7) + ".sig");
  BOOST_TEST(l["referrer"].is_null());

  RunResult bundle = F().Vouch({"sign", "{img}", "--key", "{dir}/k.pem", "-o", "json"});
  BOOST_REQUIRE_MESSAGE(bundle.exit_code == 0, bundle.err);
  const json m = json::parse(bundle.out)["manifests"][0];
  BOOST_TEST(m["tag"].is_null());
  BOOST_TEST(m["referrer"].get<std::string>().rfind("sha256:", 0) == 0u, bundle.out);

  RunResult copied = F().Vouch({"copy", "{img}", "oci:{dir}/copy2:app", "-o", "json"});
  BOOST_REQUIRE_MESSAGE(copied.exit_code == 0, copied.err);
  BOOST_TEST(json::parse(copied.out)["digest"] == F().image);
}

BOOST_AUTO_TEST_CASE(provenance_output_is_the_format_and_output_file_the_file) {
  const std::vector<std::string> flags = {"provenance",
                                          "--subject",
                                          "{dir}/a.txt",
                                          "--builder-id",
                                          "https://example.test/b",
                                          "--build-type",
                                          "https://example.test/t",
                                          "--source-uri",
                                          "https://example.test/repo",
                                          "--source-digest",
                                          "sha1:" + std::string(40, 'a')};
  std::vector<std::string> old = flags;
  old.insert(old.end(), {"--output", "{dir}/old.json"});
  RunResult r = F().Vouch(old);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--output-file") != std::string::npos, r.err);
  std::vector<std::string> file = flags;
  file.insert(file.end(), {"--output-file", "{dir}/new.json"});
  RunResult w = F().Vouch(file);
  BOOST_TEST(w.exit_code == 0, w.err);
  BOOST_TEST(w.out.empty());
  BOOST_TEST(json::parse(ReadText(F().dir.File("new.json")), nullptr, false).is_object());
  RunResult printed = F().Vouch(flags);
  BOOST_TEST(ReadText(F().dir.File("new.json")).size() == printed.out.size());
}

BOOST_AUTO_TEST_CASE(quiet_keeps_only_the_result_and_errors) {
  const std::vector<std::string> sign = {"sign",        "{img}",    "--key",
                                         "{dir}/k.pem", "--format", "legacy"};
  RunResult loud =
      F().Vouch({"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--bundle", "{dir}/b3"});
  BOOST_TEST(loud.exit_code == 0);
  BOOST_TEST(loud.err.find("Signed ") != std::string::npos, loud.err);
  RunResult quiet =
      F().Vouch({"sign-blob", "{dir}/a.txt", "--key", "{dir}/k.pem", "--bundle", "{dir}/b3", "-q"});
  BOOST_TEST(quiet.exit_code == 0);
  BOOST_TEST(quiet.err == "");
  // The racy-tag warning is a warning, not an error: quiet hides it, the result stays.
  RunResult tag = F().Vouch({"sign", "oci:{layout}:app", "--key", "{dir}/k.pem", "--quiet"});
  BOOST_TEST(tag.exit_code == 0, tag.err);
  BOOST_TEST(tag.err == "");
  BOOST_TEST(tag.out.find("Signed ") != std::string::npos, tag.out);
  // Errors are never quiet.
  RunResult bad = F().Vouch({"verify-blob", "{dir}/pred.json", "--key", "{dir}/k.pub", "--bundle",
                             "{dir}/a.bundle", "-q"});
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.err.rfind("vouch: verification failed", 0) == 0u, bad.err);
  RunResult both = F().Vouch({"resolve", "oci:{layout}:app", "-q", "-v"});
  BOOST_TEST(both.exit_code == 2);
  BOOST_TEST(both.err.find("--quiet and --verbose") != std::string::npos, both.err);
}

// Commands lists the command names of `vouch --help`.
std::vector<std::string> Commands() {
  RunResult usage = testing::Vouch({"--help"});
  BOOST_REQUIRE(usage.exit_code == 0);
  std::vector<std::string> names;
  std::istringstream in(usage.out.substr(usage.out.find("commands:")));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line) && line.starts_with("  ")) {
    names.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  BOOST_REQUIRE(names.size() > 20u);
  return names;
}

BOOST_AUTO_TEST_CASE(help_cmd_is_cmd_help_and_every_command_takes_quiet_and_verbose) {
  for (const std::string& cmd : Commands()) {
    BOOST_TEST_CONTEXT(cmd) {
      RunResult help = testing::Vouch({"help", cmd});
      RunResult flag = testing::Vouch({cmd, "--help"});
      BOOST_TEST(help.exit_code == 0, help.err);
      BOOST_TEST(help.out == flag.out);
      // A group (key, policy, trusted-root, download, attach) lists its subcommands; each of
      // those is a Command.
      const bool group = cmd == "key" || cmd == "policy" || cmd == "trusted-root" ||
                         cmd == "download" || cmd == "attach";
      BOOST_TEST((help.out.find("-q, --quiet") != std::string::npos) == !group, help.out);
      BOOST_TEST((help.out.find("-v, --verbose") != std::string::npos) == !group, help.out);
    }
  }
  for (const auto& [group, sub] :
       std::vector<std::pair<std::string, std::string>>{{"key", "generate"},
                                                        {"key", "public"},
                                                        {"key", "info"},
                                                        {"key", "import-cosign"},
                                                        {"key", "export-cosign"},
                                                        {"download", "signature"},
                                                        {"download", "attestation"},
                                                        {"attach", "signature"},
                                                        {"attach", "attestation"}}) {
    RunResult help = testing::Vouch({group, sub, "--help"});
    BOOST_TEST(help.out.find("-q, --quiet") != std::string::npos, sub);
    BOOST_TEST(help.out.find("-v, --verbose") != std::string::npos, sub);
    BOOST_TEST(help.out.find("-o, --output") != std::string::npos, sub);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
