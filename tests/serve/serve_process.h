// Running `vouch serve` as a subprocess in the serve suites: waiting until it listens and
// stopping it, shared by integration_test.cc and install_test.cc (which start it their own ways).
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "testutil/testutil.h"

namespace vouch::serve_test {

// WaitListening polls |stderr_path| (the server's standard error) until `vouch serve` prints
// "listening on https://127.0.0.1:PORT" and returns PORT. When the process |pid| exits first,
// |pid| becomes -1 and the test fails with its output; so it does when the line never comes
// (after about 15 seconds).
inline int WaitListening(pid_t& pid, const std::string& stderr_path) {
  static const std::regex kListening(R"(listening on https://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 300; ++i) {
    std::smatch m;
    std::string text =
        std::filesystem::exists(stderr_path) ? vouch::testing::ReadText(stderr_path) : "";
    if (std::regex_search(text, m, kListening)) {
      return std::stoi(m[1].str());
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      BOOST_FAIL("vouch serve exited early: " << text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_FAIL("vouch serve never said it listens: " << vouch::testing::ReadText(stderr_path));
  return 0;
}

// StopServe ends |pid| (SIGTERM, then SIGKILL after 10 seconds), reaps it and sets it to -1.
inline void StopServe(pid_t& pid) {
  if (pid <= 0) {
    return;
  }
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

}  // namespace vouch::serve_test
