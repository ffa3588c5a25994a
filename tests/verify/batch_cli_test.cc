// `vouch verify --batch` as the user runs it, against the docker-registry fixture (tests/
// fixtures/registry.sh): accepted, rejected and error lines with their exit codes, stdin input,
// --shard, --resume, the tag and decision sharing, and the usage errors.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "images/common.h"

namespace vouch::batch_cli_test {
namespace {

using namespace vouch::images_test;  // NOLINT(google-build-using-namespace): test helpers

// Fixture: vb-good:v1 and :v2 (one digest) signed by release, vb-unsigned:v1 (the same digest
// in another repository, where nothing is attached), and a policy over this run's repositories.
struct Fixture {
  Env env;
  std::string good, good2, good_digest, unsigned_image, policy;
  Fixture() {
    env.Key("release");
    good = env.Image("single", RepoName("vb-good"));
    good2 = env.Image("single", RepoName("vb-good"), "v2");
    good_digest = Reg() + "/" + RepoName("vb-good") + "@" + Known("single");
    unsigned_image = env.Image("single", RepoName("vb-unsigned"));
    env.MustVouch({"sign", good, "--key", env.dir.File("release.pem")});
    policy = env.dir.File("policy.yaml");
    WriteText(policy, "version: 1\n"
                      "authorities:\n"
                      "  release:\n"
                      "    key:\n"
                      "      path: release.pub\n"
                      "policies:\n"
                      "  - name: fleet\n"
                      "    scope: \"" + Reg() + "/" + RepoName("*") + "\"\n"
                      "    mode: enforce\n"
                      "    signatures:\n"
                      "      authorities: [release]\n");
  }
  std::string List(const std::string& name, const std::string& text) {
    std::string path = env.dir.File(name);
    WriteText(path, text);
    return path;
  }
};

Fixture& F() {
  static Fixture f;
  return f;
}

std::vector<Json> JsonLines(const std::string& out) {
  std::vector<Json> lines;
  size_t at = 0;
  while (at < out.size()) {
    size_t nl = out.find('\n', at);
    BOOST_REQUIRE_MESSAGE(nl != std::string::npos, "output does not end with a newline: " << out);
    lines.push_back(Json::parse(out.substr(at, nl - at)));
    at = nl + 1;
  }
  return lines;
}

std::vector<std::string> Results(const std::vector<Json>& lines) {
  std::vector<std::string> out;
  for (const Json& j : lines) {
    out.push_back(j["result"]);
  }
  return out;
}

std::vector<size_t> LineNumbers(const std::vector<Json>& lines) {
  std::vector<size_t> out;
  for (const Json& j : lines) {
    out.push_back(j["line"]);
  }
  return out;
}

RunResult Batch(std::vector<std::string> args, const std::string& stdin_data = "") {
  RunOptions o = F().env.Options();
  o.stdin_data = stdin_data;
  args.insert(args.begin(), "verify");
  return vouch::testing::Vouch(args, o);
}

BOOST_AUTO_TEST_CASE(MixedListByKeyOneLinePerEntryErrorWins) {
  const std::string list = F().List(
      "mixed", "# the fleet\n\n" + F().good + "\n" + F().unsigned_image + "\n" + F().good_digest +
                   "\nNot A Reference!\n127.0.0.1:1/acme/app:v1\n"
                   "{\"ref\": \"" + F().good + "\", \"platform\": \"linux/amd64\"}\n");
  RunResult r = Batch({"--batch", list, "--key", F().env.Pub("release"), "--output", "jsonl"});
  BOOST_TEST(r.exit_code == 3, r.err);  // could not check wins over rejected
  auto lines = JsonLines(r.out);
  BOOST_TEST(LineNumbers(lines) == (std::vector<size_t>{3, 4, 5, 6, 7, 8}),
             boost::test_tools::per_element());
  BOOST_TEST(Results(lines) == (std::vector<std::string>{"accepted", "rejected", "accepted",
                                                         "error", "error", "accepted"}),
             boost::test_tools::per_element());
  BOOST_TEST(lines[0]["ref"] == F().good);
  BOOST_TEST(lines[0]["digest"] == Known("single"));
  BOOST_TEST(!lines[0]["evidence"].empty());
  BOOST_TEST(lines[0]["evidence"][0]["kind"] == "signature");
  BOOST_TEST(lines[1]["digest"] == Known("single"));
  BOOST_TEST(lines[1]["errorCode"] == "verification_failed");
  BOOST_TEST(lines[3]["ref"] == "Not A Reference!");
  BOOST_TEST(lines[3]["errorCode"] == "invalid_argument");
  BOOST_TEST(lines[4]["errorCode"] != "verification_failed");  // never "unsigned"
  BOOST_TEST(r.err.find("6 images in shard 0/1: 3 accepted, 1 rejected, 2 could not be checked") !=
                 std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_CASE(ExitOneWhenSomeRejectedNoneInError) {
  const std::string list = F().List("rejected", F().good + "\n" + F().unsigned_image + "\n");
  RunResult r = Batch({"--batch", list, "--key", F().env.Pub("release")});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(Results(JsonLines(r.out)) == (std::vector<std::string>{"accepted", "rejected"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(PolicyFromStdinSharesOneDigestAcrossTags) {
  // v1, v2 and the digest name one image in one repository: verified once, shared twice.
  RunResult r = Batch({"--policy", F().policy, "--batch", "-", "--output", "jsonl"},
                      F().good + "\n" + F().good2 + "\n" + F().good_digest + "\n");
  BOOST_TEST(r.exit_code == 0, r.err);
  auto lines = JsonLines(r.out);
  BOOST_TEST(Results(lines) == (std::vector<std::string>{"accepted", "accepted", "accepted"}),
             boost::test_tools::per_element());
  BOOST_TEST(lines[1]["ref"] == F().good2);
  BOOST_TEST(lines[1]["policy"] == "fleet");
  BOOST_TEST(r.err.find("1 verifications, 2 shared") != std::string::npos, r.err);
  // "platform" is the policy's to say.
  RunResult p = Batch({"--policy", F().policy, "--batch", "-"},
                      "{\"ref\": \"" + F().good + "\", \"platform\": \"linux/amd64\"}\n");
  BOOST_TEST(p.exit_code == 3, p.err);
  BOOST_TEST(p.out.find("\"platform\\\" needs --key") != std::string::npos, p.out);
}

BOOST_AUTO_TEST_CASE(ShardsSplitTheListByEntryIndex) {
  const std::string list =
      F().List("shards", F().good + "\n# skipped\n" + F().unsigned_image + "\n" + F().good2 +
                             "\n" + F().unsigned_image + "\n");
  RunResult s0 = Batch({"--batch", list, "--key", F().env.Pub("release"), "--shard", "0/2"});
  BOOST_TEST(s0.exit_code == 0, s0.err);
  BOOST_TEST(LineNumbers(JsonLines(s0.out)) == (std::vector<size_t>{1, 4}),
             boost::test_tools::per_element());
  RunResult s1 = Batch({"--batch", list, "--key", F().env.Pub("release"), "--shard", "1/2"});
  BOOST_TEST(s1.exit_code == 1, s1.err);
  BOOST_TEST(LineNumbers(JsonLines(s1.out)) == (std::vector<size_t>{3, 5}),
             boost::test_tools::per_element());
  RunResult bad = Batch({"--batch", list, "--key", F().env.Pub("release"), "--shard", "2/2"});
  BOOST_TEST(bad.exit_code == 2, bad.err);
}

BOOST_AUTO_TEST_CASE(ResumeSkipsWhatAKilledRunDecided) {
  const std::string list =
      F().List("resume", F().good + "\n" + F().unsigned_image + "\n" + F().good2 + "\n");
  RunResult first = Batch({"--batch", list, "--key", F().env.Pub("release")});
  BOOST_TEST(first.exit_code == 1, first.err);
  // What a run killed during line 2 leaves: line 1 whole, line 2 cut short.
  const size_t nl = first.out.find('\n');
  const std::string previous = F().env.dir.File("previous.jsonl");
  WriteText(previous, first.out.substr(0, nl + 1) + first.out.substr(nl + 1, 25));
  RunResult second =
      Batch({"--batch", list, "--key", F().env.Pub("release"), "--resume", previous});
  BOOST_TEST(second.exit_code == 1, second.err);
  BOOST_TEST(LineNumbers(JsonLines(second.out)) == (std::vector<size_t>{2, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(second.err.find("(1 resumed)") != std::string::npos, second.err);
  // Everything decided: nothing written, the verdict still counts the rejection.
  WriteText(previous, first.out);
  RunResult third = Batch({"--batch", list, "--key", F().env.Pub("release"), "--resume", previous});
  BOOST_TEST(third.exit_code == 1, third.err);
  BOOST_TEST(third.out.empty(), third.out);
  BOOST_TEST(third.err.find("0 verifications") != std::string::npos, third.err);
  // A resume file that does not exist yet: the first run of a loop.
  RunResult fresh = Batch({"--batch", list, "--key", F().env.Pub("release"), "--resume",
                           F().env.dir.File("none.jsonl")});
  BOOST_TEST(JsonLines(fresh.out).size() == 3u);
}

BOOST_AUTO_TEST_CASE(UsageErrors) {
  const std::string list = F().List("usage", F().good + "\n");
  const std::string key = F().env.Pub("release");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--batch", list, "--key", key, "--output", "json"},
           {"--batch", list, "--key", key, F().good},
           {F().good, "--key", key, "--output", "jsonl"},
           {F().good, "--key", key, "--shard", "0/2"},
           {F().good, "--key", key, "--resume", list},
           {"--batch", F().env.dir.File("missing-list"), "--key", key}}) {
    RunResult r = Batch(args);
    BOOST_TEST(r.exit_code == 2, Join(args) << ": " << r.err);
    BOOST_TEST(r.out.empty());
  }
}

}  // namespace
}  // namespace vouch::batch_cli_test
