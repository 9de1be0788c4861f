// Debian's gdb, in batch mode, going backwards on `tandem gdb-live` with
// the virtual clock (time travel) on the gdb test guest.
#include <gtest/gtest.h>

#include <regex>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

class GdbReverseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(live.serving()) << "tandem gdb-live did not start"; }
  GdbLiveSession live{{"--clock", "virtual"}};
};

TEST_F(GdbReverseTest, ReverseStepiGoesBackExactlyOneInstruction) {
  std::string out = live.gdb({"break *bump_store", "continue", "monitor icount", "stepi", "stepi",
                              "monitor icount", "reverse-stepi", "monitor icount", "reverse-stepi",
                              "monitor icount", "p $pc == (char*)bump_store"});
  std::vector<uint64_t> at = monitorIcounts(out);
  ASSERT_EQ(at.size(), 4u) << out;
  EXPECT_EQ(at[1], at[0] + 2);
  EXPECT_EQ(at[2], at[0] + 1);
  EXPECT_EQ(at[3], at[0]);
  EXPECT_HAS(out, "$1 = 1\n");
}

TEST_F(GdbReverseTest, ReverseContinueStopsAtEarlierBreakpointsThenAtTheStart) {
  std::string out = live.gdb({"break *bump_store", "continue", "continue", "continue",
                              "x/dw &counter", "reverse-continue", "x/dw &counter", "reverse-continue",
                              "x/dw &counter", "reverse-continue", "monitor icount", "p $pc"});
  EXPECT_MATCHES(out, R"(:\s+2\n[\s\S]*Breakpoint 1, 0x[0-9a-f]+ in bump_store \(\)[\s\S]*:\s+1\n)");
  EXPECT_MATCHES(out, R"(:\s+1\n[\s\S]*Breakpoint 1, 0x[0-9a-f]+ in bump_store \(\)[\s\S]*:\s+0\n)");
  EXPECT_HAS(out, "No more reverse-execution history.");
  EXPECT_HAS(out, "icount 0\n");
  EXPECT_HAS(out, "<_start>");
}

TEST_F(GdbReverseTest, WatchStopsAtTheWritingInstructionBothWays) {
  std::string out = live.gdb({"break *paging_on", "continue", "delete",
                              "watch *(int*)(0xC0000000 + (int)&counter)", "continue", "continue",
                              "reverse-continue", "p $pc == (char*)bump_store", "reverse-continue",
                              "continue", "p $pc == (char*)bump_store + 5"});
  EXPECT_MATCHES(out, R"(Old value = 0\nNew value = 1\n[\s\S]*Old value = 1\nNew value = 2\n)");
  // Backwards: gdb shows the value going back, stopped on the MOV.
  EXPECT_MATCHES(out, R"(Old value = 2\nNew value = 1\n[^\n]*bump_store[\s\S]*\$1 = 1\n)");
  EXPECT_MATCHES(out, R"(Old value = 1\nNew value = 0\n)");
  // And forward again from there.
  EXPECT_MATCHES(out, R"(New value = 0\n[\s\S]*Old value = 0\nNew value = 1\n[\s\S]*\$2 = 1\n)");
}

TEST_F(GdbReverseTest, MonitorSeekLandsOnTheIcountGdbThenSees) {
  std::string out = live.gdb({"monitor seek 2000", "maintenance flush register-cache",
                              "monitor icount", "p $pc", "monitor seek 1000",
                              "maintenance flush register-cache", "monitor icount", "stepi",
                              "monitor icount", "monitor seek 99999999"});
  EXPECT_HAS(out, "at icount 2000; gdb's registers are stale");
  std::vector<uint64_t> at = monitorIcounts(out);
  ASSERT_EQ(at.size(), 3u) << out;
  EXPECT_EQ(at[0], 2000u);
  EXPECT_EQ(at[1], 1000u);
  EXPECT_EQ(at[2], 1001u);
  EXPECT_MATCHES(out, R"(stopped at icount \d+ \(power-off\) before icount 99999999)");
}

TEST(GdbReverseHostClock, ReverseExecutionNeedsTheVirtualClock) {
  GdbLiveSession live{{"--clock", "host"}};
  ASSERT_TRUE(live.serving());
  std::string out = live.gdb({"reverse-stepi", "monitor seek 10", "monitor icount"});
  EXPECT_HAS(out, "does not support this command");
  EXPECT_HAS(out, "this machine has no time travel");
  EXPECT_HAS(out, "icount 0\n");
}

}  // namespace
}  // namespace tandem::test
