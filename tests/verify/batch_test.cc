// The batch scheduler (vouch/verify/batch.h) with a fake verifier: input lines, sharding,
// resume, malformed lines, output order under concurrency, one writer, and the exit status.
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/internal/json.h"
#include "vouch/verify/batch.h"

namespace vouch::verify {
namespace {

// FakeDecision decides by the reference's repository name: ".../good" accepted, ".../bad"
// rejected, ".../down" could not be checked.
ImageDecision FakeDecision(const BatchEntry& e) {
  ImageDecision d;
  d.image = e.ref;
  if (e.ref.find("/good") != std::string::npos) {
    d.decision = Decision::kAccepted;
    d.digest = Digest::Of(AsBytes(e.ref));
  } else if (e.ref.find("/down") != std::string::npos) {
    d.decision = Decision::kError;
    d.status = UnavailableError("registry down");
  } else {
    d.decision = Decision::kRejected;
    d.status = VerificationFailedError("no signatures");
  }
  return d;
}

struct Run {
  std::vector<Json> lines;
  BatchSummary summary;
};

Run RunOn(std::string_view input, BatchOptions options = {}, BatchVerifier verify = FakeDecision) {
  Run r;
  std::mutex mu;
  r.summary = RunBatch(ParseBatchInput(input), options, verify, [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    BOOST_TEST(line.find('\n') == std::string::npos);
    r.lines.push_back(Json::parse(line));
  });
  return r;
}

std::vector<size_t> Lines(const Run& r) {
  std::vector<size_t> out;
  for (const Json& j : r.lines) {
    out.push_back(j["line"].get<size_t>());
  }
  return out;
}

BOOST_AUTO_TEST_CASE(ParsesReferencesJsonLinesCommentsAndBlanks) {
  auto entries = ParseBatchInput(
      "# fleet\n"
      "\n"
      "  r.example/a/good:v1  \r\n"
      "{\"ref\": \"r.example/a/good@sha256:" +
      std::string(64, 'a') +
      "\", \"scope\": \"r.example/prod/x\", \"platform\": \"linux/arm64\"}\n"
      "   # indented comment\n"
      "r.example/a/bad:v2");
  BOOST_REQUIRE_EQUAL(entries.size(), 3u);
  BOOST_TEST(entries[0].ref == "r.example/a/good:v1");
  BOOST_TEST(entries[0].line == 3u);
  BOOST_TEST(entries[0].index == 0u);
  BOOST_TEST(entries[1].line == 4u);
  BOOST_TEST(entries[1].scope == "r.example/prod/x");
  BOOST_REQUIRE(entries[1].platform.has_value());
  BOOST_TEST(entries[1].platform->ToString() == "linux/arm64");
  BOOST_TEST(entries[2].line == 6u);
  BOOST_TEST(entries[2].index == 2u);
  for (const BatchEntry& e : entries) {
    BOOST_TEST(e.error.ok(), e.error.message());
  }
}

BOOST_AUTO_TEST_CASE(MalformedLinesAreErrorsNotCrashes) {
  const std::string input =
      "r.example/a/good:v1\n"
      "{\"ref\": \n"                                  // bad JSON
      "{\"image\": \"r.example/a/good:v1\"}\n"        // no ref
      "{\"ref\": \"r.example/a/good:v1\", \"pltform\": \"linux/amd64\"}\n"  // unknown field
      "{\"ref\": \"r.example/a/good:v1\", \"platform\": \"linux\"}\n"       // bad platform
      "Not A Reference!\n"
      "[1, 2]\n"
      "r.example/a/good:v2\n";
  auto entries = ParseBatchInput(input);
  BOOST_REQUIRE_EQUAL(entries.size(), 8u);
  for (size_t i = 1; i < 7; ++i) {
    BOOST_TEST(!entries[i].error.ok(), "line " << entries[i].line << " should be malformed");
  }
  std::atomic<int> calls{0};
  Run r = RunOn(input, {}, [&](const BatchEntry& e) {
    ++calls;
    return FakeDecision(e);
  });
  BOOST_TEST(calls.load() == 2);  // malformed lines never reach the verifier
  BOOST_REQUIRE_EQUAL(r.lines.size(), 8u);
  BOOST_TEST(r.lines[0]["result"] == "accepted");
  for (size_t i = 1; i < 7; ++i) {
    BOOST_TEST(r.lines[i]["result"] == "error");
    BOOST_TEST(r.lines[i]["errorCode"] == "invalid_argument");
    BOOST_TEST(r.lines[i]["line"] == i + 1);
  }
  BOOST_TEST(r.lines[5]["ref"] == "Not A Reference!");
  BOOST_TEST(r.lines[7]["result"] == "accepted");
  BOOST_TEST(r.summary.errors == 6u);
  BOOST_TEST((r.summary.overall.code() == ErrorCode::kUnavailable));
}

BOOST_AUTO_TEST_CASE(OutputIsInInputOrderWhateverOrderEntriesFinish) {
  std::string input;
  for (int i = 0; i < 40; ++i) {
    input += "r.example/a/good:v" + std::to_string(i) + "\n";
  }
  // Earlier entries take longer, so they finish after later ones.
  BatchOptions options;
  options.jobs = 8;
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  Run r = RunOn(input, options, [&](const BatchEntry& e) {
    int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(40 - static_cast<int>(e.index)));
    --in_flight;
    return FakeDecision(e);
  });
  std::vector<size_t> want;
  for (size_t i = 1; i <= 40; ++i) {
    want.push_back(i);
  }
  BOOST_TEST(Lines(r) == want, boost::test_tools::per_element());
  BOOST_TEST(most.load() <= 8);  // --jobs bounds the entries decided at once
  BOOST_TEST(r.summary.accepted == 40u);
  BOOST_TEST(r.summary.overall.ok());
}

BOOST_AUTO_TEST_CASE(ShardsPartitionTheEntriesByIndex) {
  // Comments and blank lines do not count: the shard is by entry index, not line number.
  const std::string input =
      "# c\nr.example/a/good:0\n\nr.example/a/good:1\nr.example/a/good:2\n# c\n"
      "r.example/a/good:3\nr.example/a/good:4\nr.example/a/good:5\nr.example/a/good:6\n";
  std::multiset<std::string> all;
  for (size_t i = 0; i < 3; ++i) {
    BatchOptions options;
    options.shard = {i, 3};
    Run r = RunOn(input, options);
    for (const Json& j : r.lines) {
      const std::string ref = j["ref"];
      BOOST_TEST(std::stoul(ref.substr(ref.rfind(':') + 1)) % 3 == i, ref << " in shard " << i);
      all.insert(ref);
    }
    BOOST_TEST(r.summary.entries == r.lines.size());
  }
  BOOST_TEST(all.size() == 7u);
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == 7u);  // each exactly once
}

BOOST_AUTO_TEST_CASE(ShardSyntax) {
  auto s = ParseBatchShard("2/4");
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(s->index == 2u);
  BOOST_TEST(s->count == 4u);
  for (const char* bad : {"4/4", "1/0", "1", "/4", "a/4", "1/4x", "-1/4", "", "1/ 4"}) {
    BOOST_TEST(!ParseBatchShard(bad).ok(), bad);
  }
}

BOOST_AUTO_TEST_CASE(ResumeSkipsDecidedLinesAndRetriesErrors) {
  const std::string input =
      "r.example/a/good:1\nr.example/a/bad:2\nr.example/a/down:3\nr.example/a/good:4\n";
  Run first = RunOn(input);
  BOOST_REQUIRE_EQUAL(first.lines.size(), 4u);
  BOOST_TEST((first.summary.overall.code() == ErrorCode::kUnavailable));
  // The previous output: the first three lines, then a line cut short by a kill.
  std::string previous;
  for (size_t i = 0; i < 3; ++i) {
    previous += DumpJson(first.lines[i]) + "\n";
  }
  previous += DumpJson(first.lines[3]).substr(0, 20);
  BatchResume resume = ParseBatchResume(previous);
  BOOST_TEST(resume.size() == 2u);  // accepted and rejected; the error is checked again
  BatchOptions options;
  options.resume = &resume;
  std::vector<std::string> asked;
  std::mutex mu;
  Run second = RunOn(input, options, [&](const BatchEntry& e) {
    std::lock_guard<std::mutex> lock(mu);
    asked.push_back(e.ref);
    return FakeDecision(e);
  });
  BOOST_TEST(Lines(second) == (std::vector<size_t>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(asked.size() == 2u);
  BOOST_TEST(second.summary.entries == 4u);
  BOOST_TEST(second.summary.resumed == 2u);
  // The resumed rejection still counts: the run is not "all accepted".
  BOOST_TEST(second.summary.rejected == 1u);
  BOOST_TEST(second.summary.accepted == 2u);
  // A line whose reference changed since is checked again.
  BatchResume moved = {{1, {"r.example/a/good:other", Decision::kAccepted}}};
  options.resume = &moved;
  Run third = RunOn(input, options);
  BOOST_TEST(third.lines.size() == 4u);
}

BOOST_AUTO_TEST_CASE(OverallStatusErrorWinsOverRejection) {
  BOOST_TEST(RunOn("r.example/a/good:1\nr.example/a/good:2\n").summary.overall.ok());
  BatchSummary rejected = RunOn("r.example/a/good:1\nr.example/a/bad:2\n").summary;
  BOOST_TEST((rejected.overall.code() == ErrorCode::kVerificationFailed));
  BOOST_TEST(rejected.overall.message().find("line 2: r.example/a/bad:2") != std::string::npos,
             rejected.overall.message());
  BatchSummary both = RunOn("r.example/a/bad:1\nr.example/a/down:2\nr.example/a/good:3\n").summary;
  BOOST_TEST((both.overall.code() == ErrorCode::kUnavailable));
  BOOST_TEST(both.rejected == 1u);
  BOOST_TEST(both.errors == 1u);
  // Nothing to check (an empty shard, a list of comments) is not a failure.
  BOOST_TEST(RunOn("# nothing\n\n").summary.overall.ok());
}

BOOST_AUTO_TEST_CASE(LineShape) {
  Run r = RunOn("r.example/a/good:v1\n");
  BOOST_REQUIRE_EQUAL(r.lines.size(), 1u);
  const Json& j = r.lines[0];
  for (const char* field : {"line", "ref", "digest", "result", "policy", "scope", "mode", "error",
                            "errorCode", "reasons", "evidence"}) {
    BOOST_TEST(j.contains(field), field);
  }
  BOOST_TEST(j["digest"].get<std::string>().starts_with("sha256:"));
  BOOST_TEST(j["ref"] == "r.example/a/good:v1");
}

}  // namespace
}  // namespace vouch::verify
