// The log levels: quiet hides informational lines and warnings, verbose adds diagnostics, and a
// line is written whole even from many threads.
#include "vouch/core/log.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

namespace vouch::log {
namespace {

namespace bdata = boost::unit_test::data;

// Captured collects what is logged at |level| for its lifetime, restoring the level and sink.
struct Captured {
  std::string text;
  Level saved_level = GetLevel();
  Sink saved_sink;
  explicit Captured(Level level) {
    saved_sink = SetSink([this](std::string_view line) { text += line; });
    SetLevel(level);
  }
  ~Captured() {
    SetLevel(saved_level);
    SetSink(saved_sink);
  }
};

void LogOneOfEach() {
  Info("Signed a.txt");
  Warn("signing by tag is racy");
  Debug("GET https://r.example/v2/ -> 200");
}

struct Case {
  Level level;
  const char* want;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << static_cast<int>(c.level);
}

const Case kCases[] = {
    {Level::kQuiet, ""},
    {Level::kNormal, "Signed a.txt\nvouch: warning: signing by tag is racy\n"},
    {Level::kVerbose,
     "Signed a.txt\nvouch: warning: signing by tag is racy\n"
     "vouch: GET https://r.example/v2/ -> 200\n"},
};

BOOST_AUTO_TEST_SUITE(log)

BOOST_DATA_TEST_CASE(each_level_shows_its_lines_and_those_below, bdata::make(kCases), c) {
  Captured captured(c.level);
  LogOneOfEach();
  BOOST_TEST(captured.text == c.want);
}

BOOST_AUTO_TEST_CASE(enabled_follows_the_level) {
  Captured captured(Level::kNormal);
  BOOST_TEST(Enabled(Level::kQuiet));
  BOOST_TEST(Enabled(Level::kNormal));
  BOOST_TEST(!Enabled(Level::kVerbose));
  SetLevel(Level::kQuiet);
  BOOST_TEST(!Enabled(Level::kNormal));
}

BOOST_AUTO_TEST_CASE(lines_from_threads_never_interleave) {
  Captured captured(Level::kNormal);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) {
        Info(std::string(40, static_cast<char>('a' + t)));
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  size_t lines = 0;
  for (size_t pos = 0; pos < captured.text.size(); pos += 41) {
    const std::string line = captured.text.substr(pos, 41);
    BOOST_REQUIRE(line.back() == '\n');
    BOOST_REQUIRE(line.find_first_not_of(line[0]) == 40u);
    ++lines;
  }
  BOOST_TEST(lines == 800u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::log
