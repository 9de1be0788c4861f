// Debian's gdb against `tandem gdb` on a bundle: the gdb test guest
// recorded (frozen when it powers off) into a scratch archive, then
// debugged forward and backward from the bundle's snapshot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

class GdbBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tandem-gdb-bundle-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    work_ = dir;
    auto rec = Subprocess::start({TANDEM_BIN, "record", "--kernel", kGdbTestGuest, "--freeze-on-exit",
                                  "--lag", "1ms", "--archive", work_ + "/archive"},
                                 Subprocess::Capture::kStdoutAndStderr);
    ASSERT_TRUE(rec);
    rec->wait(60000);
    std::smatch id;
    const std::string& out = rec->output();
    ASSERT_TRUE(std::regex_search(out, id, std::regex(R"(\b[0-9a-f]{64}\b)"))) << out;
    id_ = id[0];
  }
  void TearDown() override { std::filesystem::remove_all(work_); }

  std::string gdb(const std::vector<std::string>& commands) {
    GdbLiveSession live{GdbLiveSession::Command{
        {"gdb", id_, "--archive", work_ + "/archive", "--once", "--console", "/dev/null"},
        kGdbTestGuest}};
    EXPECT_TRUE(live.serving());
    return live.gdb(commands);
  }

  std::string work_, id_;
};

TEST_F(GdbBundleTest, RunsForwardAndBackThroughTheRecordingAndRefusesWrites) {
  std::string out = gdb({"monitor help", "break *bump_store", "continue", "continue",
                         "x/dw &counter", "reverse-continue", "x/dw &counter", "monitor icount",
                         "reverse-stepi", "monitor icount", "set $eax = 1", "delete", "continue"});
  EXPECT_HAS(out, "target: a replayed bundle");
  EXPECT_MATCHES(out, R"(:\s+1\n[\s\S]*Breakpoint 1, 0x[0-9a-f]+ in bump_store \(\)\n[^\n]*:\s+0\n)");
  std::smatch at;
  ASSERT_TRUE(std::regex_search(out, at, std::regex(R"(icount (\d+)\n[^\n]*\nicount (\d+)\n)")))
      << out;
  EXPECT_EQ(std::stoull(at[2]) + 1, std::stoull(at[1]));
  EXPECT_HAS(out, "read-only");
  // Running on replays the recording to its end: the guest powering off.
  EXPECT_HAS(out, "tandem: the guest powered off at icount 6");
  EXPECT_HAS(out, "exited normally");
}

// The timer interrupt's frame is pushed by its delivery: forward, the watch
// stops at the handler's first instruction; backward, before the delivery,
// at the same icount.
TEST_F(GdbBundleTest, WatchOnTheStackStopsAtAnInterruptDeliveryBothWays) {
  std::string out = gdb({"break *timer_wait", "continue", "delete", "set $slot = (int *)$esp - 1",
                         "watch *$slot", "continue", "p $pc == (char *)timer_handler",
                         "monitor icount", "reverse-continue", "p $pc == (char *)timer_wait + 2",
                         "monitor icount", "continue", "p $pc == (char *)timer_handler",
                         "monitor icount", "kill"});
  // The pushed EFLAGS (IF set) replaces the return address that was there.
  std::smatch pushed;
  ASSERT_TRUE(std::regex_search(out, pushed, std::regex(R"(Old value = (\d+)\nNew value = (\d+)\n[^\n]*timer_handler[^\n]*\n\$1 = 1\n)")))
      << out;
  EXPECT_NE(std::stoul(pushed[2]) & 0x200, 0u);
  EXPECT_HAS(out, "Old value = " + pushed[2].str() + "\nNew value = " + pushed[1].str() + "\n");
  EXPECT_MATCHES(out, R"(\n[^\n]*timer_wait[^\n]*\n\$2 = 1\n)");
  EXPECT_HAS(out, "$3 = 1\n");
  std::smatch at;
  ASSERT_TRUE(std::regex_search(out, at, std::regex(R"(icount (\d+)\n[\s\S]*icount (\d+)\n[\s\S]*icount (\d+)\n)")))
      << out;
  EXPECT_EQ(at[1], at[2]);
  EXPECT_EQ(at[1], at[3]);
}

TEST_F(GdbBundleTest, ListsTheRecordedEventsAndDivergesToRunLive) {
  std::string out = gdb({"monitor events 3", "break *bump_store", "continue", "set $eax = 7",
                         "monitor diverge", "set $eax = 7", "p $eax", "monitor icount", "stepi",
                         "monitor help", "reverse-stepi", "reverse-stepi", "set $eax = 8",
                         "p $eax", "delete", "break *after_loop", "continue",
                         "x/dw &counter", "kill"});
  EXPECT_MATCHES(out, R"(events 1\.\.3 of \d+ \(next first\):\n(  [^\n]+ at icount \d+ eip [0-9a-f]{8}\n){3})");
  EXPECT_HAS(out, "replays a recording and is read-only");  // before diverging
  std::smatch at;
  ASSERT_TRUE(std::regex_search(out, at, std::regex(R"(the guest runs live from icount (\d+))"))) << out;
  EXPECT_HAS(out, "icount " + at[1].str() + "\n");
  EXPECT_HAS(out, "$1 = 7\n");
  EXPECT_HAS(out, "live: diverged from the recording");
  // Back before the divergence (before the INC): the recording again, read-only.
  EXPECT_HAS(out, "$2 = 0\n");
  EXPECT_NE(out.find("read-only"), out.rfind("read-only")) << "refused once only:\n" << out;
  // Forward through that instant: the live history, where the first store
  // wrote 7 (the recording counts to 10; live, 7 + 9 more).
  EXPECT_MATCHES(out, R"(:\s+16\n)");
}

}  // namespace
}  // namespace tandem::test
