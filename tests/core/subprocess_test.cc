// RunSubprocess: stdin/stdout round trips, caps, deadline, missing programs, no leaks.
#include "vouch/core/subprocess.h"

#include <dirent.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ostream>
#include <string>

namespace vouch {
inline std::ostream& operator<<(std::ostream& os, ErrorCode code) {
  return os << ErrorCodeName(code);
}

namespace {

using std::chrono::milliseconds;

SubprocessOptions Sh(const std::string& script) {
  SubprocessOptions o;
  o.argv = {"sh", "-c", script};
  o.deadline = std::chrono::seconds(60);
  return o;
}

int OpenFdCount() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) {
    return -1;
  }
  while (readdir(d) != nullptr) {
    ++n;
  }
  closedir(d);
  return n;
}

BOOST_AUTO_TEST_SUITE(subprocess)

BOOST_AUTO_TEST_CASE(echo_through_cat) {
  // 4 MiB in both directions: cat writes while we still write, so a sequential
  // write-then-read runner would deadlock on full pipe buffers.
  std::string data(4u << 20, 'x');
  for (size_t i = 0; i < data.size(); i += 4097) {
    data[i] = static_cast<char>('a' + i % 26);
  }
  SubprocessOptions o;
  o.argv = {"cat"};
  o.stdin_data = AsBytes(data);
  o.max_stdout = 8u << 20;
  o.deadline = std::chrono::seconds(60);
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->success());
  BOOST_TEST(r->exit_code == 0);
  BOOST_TEST((r->stdout_data == data));
  BOOST_TEST(r->stderr_data.empty());
}

BOOST_AUTO_TEST_CASE(child_that_ignores_stdin) {
  // The child exits without reading 8 MiB of stdin: our write gets EPIPE (SIGPIPE must not
  // kill the test process) and the run still succeeds.
  std::string data(8u << 20, 'y');
  SubprocessOptions o = Sh("echo done");
  o.stdin_data = AsBytes(data);
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->exit_code == 0);
  BOOST_TEST(r->stdout_data == "done\n");
}

BOOST_AUTO_TEST_CASE(stdout_cap) {
  SubprocessOptions o = Sh("head -c 100000 /dev/zero; echo tail >&2");
  o.max_stdout = 1000;
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_TEST(IsResourceExhausted(r.status()), r.status().ToString());
  BOOST_TEST(r.status().message().find("sh") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stdout_at_the_cap_is_fine) {
  SubprocessOptions o = Sh("head -c 1000 /dev/zero");
  o.max_stdout = 1000;
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->stdout_data.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(deadline_kills_the_child) {
  SubprocessOptions o;
  o.argv = {"sleep", "10"};
  o.deadline = milliseconds(200);
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_TEST(r.status().code() == ErrorCode::kDeadlineExceeded, r.status().ToString());
  BOOST_TEST(r.status().message().find("sleep") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deadline_message_quotes_stderr) {
  SubprocessOptions o = Sh("echo 'waiting for the token' >&2; exec sleep 10");
  o.deadline = milliseconds(300);
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_TEST(r.status().code() == ErrorCode::kDeadlineExceeded, r.status().ToString());
  BOOST_TEST(r.status().message().find("waiting for the token") != std::string::npos,
             r.status().message());
}

BOOST_AUTO_TEST_CASE(missing_program) {
  SubprocessOptions o;
  o.argv = {"vouch-no-such-program-3f9a"};
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_TEST(IsNotFound(r.status()), r.status().ToString());
  BOOST_TEST(r.status().message().find("vouch-no-such-program-3f9a") != std::string::npos);
  o.argv = {"/nonexistent/dir/prog"};
  BOOST_TEST(IsNotFound(RunSubprocess(o).status()));
}

BOOST_AUTO_TEST_CASE(not_executable) {
  SubprocessOptions o;
  o.argv = {"/etc/hostname"};
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_TEST(r.status().code() == ErrorCode::kPermissionDenied, r.status().ToString());
}

BOOST_AUTO_TEST_CASE(stderr_and_exit_code) {
  Result<SubprocessResult> r = RunSubprocess(Sh("echo out; echo oops >&2; exit 3"));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->exit_code == 3);
  BOOST_TEST(r->term_signal == 0);
  BOOST_TEST(!r->success());
  BOOST_TEST(r->stdout_data == "out\n");
  BOOST_TEST(r->stderr_data == "oops\n");
  BOOST_TEST(!r->stderr_truncated);
}

BOOST_AUTO_TEST_CASE(stderr_keeps_the_tail) {
  SubprocessOptions o = Sh("head -c 300000 /dev/zero | tr '\\000' x >&2; echo END >&2");
  o.max_stderr = 100;
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->stderr_data.size() == 100u);
  BOOST_TEST(r->stderr_truncated);
  BOOST_TEST(r->stderr_data.substr(96) == "END\n");
}

BOOST_AUTO_TEST_CASE(killed_by_signal) {
  Result<SubprocessResult> r = RunSubprocess(Sh("kill -9 $$"));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->term_signal == 9);
  BOOST_TEST(r->exit_code == -1);
  BOOST_TEST(!r->exited());
}

BOOST_AUTO_TEST_CASE(no_descriptor_leaks) {
  int before = OpenFdCount();
  for (int i = 0; i < 5; ++i) {
    RunSubprocess(Sh("echo x; echo y >&2")).status().IgnoreError();
    SubprocessOptions o;
    o.argv = {"sleep", "10"};
    o.deadline = milliseconds(50);
    RunSubprocess(o).status().IgnoreError();
    o.argv = {"vouch-no-such-program-3f9a"};
    RunSubprocess(o).status().IgnoreError();
  }
  BOOST_TEST(OpenFdCount() == before);
  // The child sees only 0, 1 and 2 from us (plus the descriptor ls opens for the listing).
  Result<SubprocessResult> r = RunSubprocess(Sh("ls /proc/$$/fd"));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->stdout_data.find("\n4\n") == std::string::npos, r->stdout_data);
}

BOOST_AUTO_TEST_CASE(bad_options) {
  BOOST_TEST(IsInvalidArgument(RunSubprocess(SubprocessOptions{}).status()));
  SubprocessOptions o;
  o.argv = {"true"};
  o.deadline = milliseconds(0);
  BOOST_TEST(IsInvalidArgument(RunSubprocess(o).status()));
}

BOOST_AUTO_TEST_CASE(stderr_tail_for_messages) {
  BOOST_TEST(StderrTail("  hello\n") == "hello");
  BOOST_TEST(StderrTail("a\x1b[31mb\tc\nd") == "a?[31mb\tc\nd");
  BOOST_TEST(StderrTail("0123456789", 4) == "...6789");
  BOOST_TEST(StderrTail("") == "");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
