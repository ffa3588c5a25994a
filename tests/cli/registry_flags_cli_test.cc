// The registry flags every image command shares, through the vouch binary: --request-timeout
// bounds one registry exchange, so a registry that drips bytes (fast enough to pass curl's
// low-speed check) cannot hold a command; the result is "could not check" (exit 3).
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "registry/loopback_server.h"
#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

using registry::testing::LoopbackServer;

BOOST_AUTO_TEST_SUITE(registry_flags_cli)

BOOST_AUTO_TEST_CASE(request_timeout_cuts_off_a_dripping_registry_with_exit_3) {
  LoopbackServer* self = nullptr;
  LoopbackServer server([&](int fd, const std::string&) { self->Drip(fd); });
  self = &server;
  BOOST_REQUIRE(server.port() != 0);
  const std::string image = server.host_port() + "/app:v1";
  RunOptions o;
  o.timeout_seconds = 60;  // the drip alone would last far longer: the flag must end it
  RunResult r = Vouch({"verify", image, "--key", SourceDir() + "/tests/keys/testdata/p256.pub.pem",
                       "--insecure-registry", server.host_port(), "--request-timeout", "1s"},
                      o);
  BOOST_TEST(r.exit_code == 3, r.out << r.err);
  BOOST_TEST(r.err.find("deadline") != std::string::npos, r.err);
  BOOST_TEST(!server.requests().empty());
}

BOOST_AUTO_TEST_CASE(malformed_request_timeout_is_a_usage_error) {
  for (const char* bad : {"banana", "0", "-1s", "1us"}) {
    RunResult r = Vouch({"resolve", "127.0.0.1:1/app:v1", "--request-timeout", bad});
    BOOST_TEST(r.exit_code == 2, bad << ": " << r.out << r.err);
    BOOST_TEST(r.err.find("--request-timeout") != std::string::npos, r.err);
  }
}

BOOST_AUTO_TEST_CASE(malformed_back_pressure_flags_are_usage_errors) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--registry-rate", "fast"},   {"--registry-rate", "-1"},     {"--registry-rate", "2x"},
      {"--registry-burst", "1.5"},   {"--registry-breaker", "-3"},  {"--registry-breaker", ""},
      {"--registry-breaker-cooldown", "30"}, {"--registry-breaker-cooldown", "0s"},
  };
  for (const auto& [flag, value] : bad) {
    RunResult r = Vouch({"resolve", "127.0.0.1:1/app:v1", flag, value});
    BOOST_TEST(r.exit_code == 2, flag << " " << value << ": " << r.out << r.err);
    BOOST_TEST(r.err.find(flag) != std::string::npos, r.err);
  }
}

// With the breaker on, a registry that refuses connections opens the circuit: the command ends
// with exit 3 (could not check) naming the circuit, after as many attempts as the breaker
// allows rather than the retry policy's five.
BOOST_AUTO_TEST_CASE(breaker_flag_stops_a_failing_registry_early_with_exit_3) {
  RunResult r = Vouch({"resolve", "127.0.0.1:1/app:v1", "--registry-breaker", "2"});
  BOOST_TEST(r.exit_code == 3, r.out << r.err);
  BOOST_TEST(r.err.find("registry throttled: 127.0.0.1:1: circuit open") != std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
