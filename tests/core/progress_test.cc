#include "vouch/core/progress.h"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "testutil/fake_clock.h"

namespace vouch {
namespace {

using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(human_bytes_in_binary_units) {
  BOOST_TEST(HumanBytes(0) == "0 B");
  BOOST_TEST(HumanBytes(1023) == "1023 B");
  BOOST_TEST(HumanBytes(1024) == "1.0 KiB");
  BOOST_TEST(HumanBytes(1536) == "1.5 KiB");
  BOOST_TEST(HumanBytes(12u * 1024 * 1024 + 300 * 1024) == "12.3 MiB");
  // Just under a unit rounds up into the next one, never "1024.0 KiB".
  BOOST_TEST(HumanBytes(1024 * 1024 - 1) == "1.0 MiB");
  BOOST_TEST(HumanBytes(uint64_t{5} << 40) == "5.0 TiB");
  BOOST_TEST(HumanBytes(UINT64_MAX) == "16.0 EiB");
}

BOOST_AUTO_TEST_CASE(human_duration) {
  BOOST_TEST(HumanDuration(0) == "0:00");
  BOOST_TEST(HumanDuration(65) == "1:05");
  BOOST_TEST(HumanDuration(3600 + 2 * 60 + 3) == "1:02:03");
}

BOOST_AUTO_TEST_CASE(bytes_line_has_bar_percentage_sizes_rate_and_eta) {
  ProgressSnapshot s;
  s.label = "copy";
  s.unit = ProgressUnit::kBytes;
  s.done = 10 << 20;
  s.total = 40 << 20;
  s.elapsed_seconds = 2;
  s.detail = "blobs 3/7";
  const std::string line = RenderProgress(s, 100);
  BOOST_TEST(line ==
             "copy [######..................]  25%  10.0 MiB / 40.0 MiB  5.0 MiB/s  ETA 0:06"
             "  blobs 3/7");
}

BOOST_AUTO_TEST_CASE(items_line_without_rate_before_any_work) {
  ProgressSnapshot s;
  s.label = "verify";
  s.total = 250;
  const std::string line = RenderProgress(s, 80);
  BOOST_TEST(line == "verify [........................]   0%  0/250");
}

BOOST_AUTO_TEST_CASE(unknown_total_has_no_bar_and_no_eta) {
  ProgressSnapshot s;
  s.label = "copy";
  s.unit = ProgressUnit::kBytes;
  s.done = 2048;
  s.elapsed_seconds = 1;
  BOOST_TEST(RenderProgress(s, 80) == "copy  2.0 KiB  2.0 KiB/s");
}

BOOST_AUTO_TEST_CASE(narrow_terminals_lose_the_detail_then_the_bar_and_never_overflow) {
  ProgressSnapshot s;
  s.label = "copy";
  s.unit = ProgressUnit::kBytes;
  s.done = 1 << 20;
  s.total = 4 << 20;
  s.elapsed_seconds = 1;
  s.detail = "blobs 1/4";
  const std::string wide = RenderProgress(s, 200);
  BOOST_TEST(wide.find("blobs 1/4") != std::string::npos);
  const std::string mid = RenderProgress(s, 70);
  BOOST_TEST(mid.find("blobs") == std::string::npos);
  BOOST_TEST(mid.find('[') != std::string::npos);
  BOOST_TEST(mid.size() <= 70u);
  const std::string narrow = RenderProgress(s, 40);
  BOOST_TEST(narrow.find('[') == std::string::npos);
  BOOST_TEST(narrow.size() <= 40u);
  BOOST_TEST(RenderProgress(s, 10).size() == 10u);
}

BOOST_AUTO_TEST_CASE(line_redraws_in_place_at_most_every_interval_and_always_at_the_end) {
  testing::FixedClock clock(TimePoint{} + std::chrono::hours(1));
  std::ostringstream out;
  {
    ProgressLine line(out, clock, "copy", ProgressUnit::kItems, 80, milliseconds(100));
    line.Update(1, 4);  // first update: drawn
    clock.Advance(milliseconds(10));
    line.Update(2, 4);  // too soon: not drawn
    clock.Advance(milliseconds(200));
    line.Update(3, 4);  // drawn
    clock.Advance(milliseconds(10));
    line.Update(4, 4);  // complete: always drawn
  }  // destruction ends the line
  const std::string text = out.str();
  size_t draws = 0;
  for (size_t at = text.find('\r'); at != std::string::npos; at = text.find('\r', at + 1)) {
    ++draws;
  }
  BOOST_TEST(draws == 3u);
  BOOST_TEST(text.find(" 2/4") == std::string::npos);
  BOOST_TEST(text.find("100%  4/4") != std::string::npos);
  BOOST_TEST(text.back() == '\n');
}

BOOST_AUTO_TEST_CASE(finish_draws_a_pending_update_and_nothing_is_written_without_updates) {
  testing::FixedClock clock(TimePoint{});
  std::ostringstream quiet;
  { ProgressLine unused(quiet, clock, "copy", ProgressUnit::kBytes); }
  BOOST_TEST(quiet.str().empty());

  std::ostringstream out;
  ProgressLine line(out, clock, "verify", ProgressUnit::kItems, 80, milliseconds(100));
  line.Update(1, 0);
  line.Update(2, 0);  // too soon, pending
  line.Finish();
  line.Finish();      // once
  line.Update(3, 0);  // after Finish: ignored
  BOOST_TEST(out.str() == "\rverify  1\x1b[K\rverify  2\x1b[K\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
