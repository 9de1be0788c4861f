// Debian's gdb, in batch mode, against `tandem gdb-live` on the gdb test
// guest: what a developer types, and what gdb shows.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

class GdbLiveTest : public ::testing::Test {
 protected:
  explicit GdbLiveTest(const std::vector<std::string>& server_args = {}) : live(server_args) {}
  void SetUp() override { ASSERT_TRUE(live.serving()) << "tandem gdb-live did not start"; }
  GdbLiveSession live;
};

class ReadOnlyGdbLiveTest : public GdbLiveTest {
 protected:
  ReadOnlyGdbLiveTest() : GdbLiveTest({"--read-only"}) {}
};

TEST_F(GdbLiveTest, InfoRegistersShowsTheMultibootEntryState) {
  std::string out = live.gdb({"info registers"});
  EXPECT_MATCHES(out, R"(eax\s+0x2badb002)");
  EXPECT_MATCHES(out, R"(eip\s+0x100010\s+0x100010 <_start>)");
  EXPECT_MATCHES(out, R"(eflags\s+0x2\s+\[ \])");
  EXPECT_MATCHES(out, R"(cs\s+0x10\s+16)");
  EXPECT_MATCHES(out, R"(ss\s+0x18\s+24)");
}

TEST_F(GdbLiveTest, StepiRetiresExactlyOneInstruction) {
  std::string out = live.gdb({"monitor icount", "stepi", "monitor icount", "stepi", "monitor icount",
                              "p $pc"});
  EXPECT_HAS(out, "icount 0\n");
  EXPECT_HAS(out, "icount 1\n");
  EXPECT_HAS(out, "icount 2\n");
  EXPECT_HAS(out, "<_start+2>");  // CLI and CLD are one byte each
}

TEST_F(GdbLiveTest, BreakAtAnAddressThenContinueStopsThere) {
  std::string out = live.gdb({"break *paging_on", "continue", "info symbol $pc",
                              "x/2i $pc"});
  EXPECT_MATCHES(out, R"(Breakpoint 1 at 0x[0-9a-f]+)");
  EXPECT_MATCHES(out, R"(Breakpoint 1, 0x[0-9a-f]+ in paging_on \(\))");
  EXPECT_HAS(out, "paging_on in section .text");
  EXPECT_MATCHES(out, R"(=> 0x[0-9a-f]+ <paging_on>:\s+finit)");
}

TEST_F(GdbLiveTest, ExamineReadsThroughTheGuestPageTables) {
  std::string out = live.gdb({"break *paging_on", "continue", "x/16xb &counter",
                              "x/16xb 0xC0000000 + (int)&counter", "x/xw 0xC0000000 + (int)&read_me",
                              "x/xw 0x80000000"});
  // counter = 0, read_me = 0x600DF00D, spin_iterations = 1000, in both views.
  EXPECT_MATCHES(out, R"(0x10[0-9a-f]+:\s+0x00\s+0x00\s+0x00\s+0x00\s+0x0d\s+0xf0\s+0x0d\s+0x60)");
  EXPECT_MATCHES(out, R"(0xc010[0-9a-f]+:\s+0x00\s+0x00\s+0x00\s+0x00\s+0x0d\s+0xf0\s+0x0d\s+0x60)");
  EXPECT_MATCHES(out, R"(0xc010[0-9a-f]+:\s+0x600df00d)");
  EXPECT_HAS(out, "Cannot access memory at address 0x80000000");
}

TEST_F(GdbLiveTest, WatchOnAWordStopsRightAfterTheWritingInstruction) {
  // Set once paging is on: before, the high address maps nothing.
  std::string out = live.gdb({"break *paging_on", "continue", "delete",
                              "watch *(int*)(0xC0000000 + (int)&counter)", "continue",
                              "p $pc == (char*)bump_store + 5", "continue", "x/i bump_store"});
  EXPECT_MATCHES(out, R"(Hardware watchpoint 2: )");
  EXPECT_MATCHES(out, R"(Old value = 0\nNew value = 1\n0x[0-9a-f]+ in bump_store \(\))");
  EXPECT_HAS(out, "$1 = 1\n");
  EXPECT_MATCHES(out, R"(Old value = 1\nNew value = 2)");
  EXPECT_MATCHES(out, R"(<bump_store>:\s+mov\s+%eax,0xc010)");
}

TEST_F(GdbLiveTest, ReadAndAccessWatchpointsStopAtTheirAccesses) {
  std::string out = live.gdb({"rwatch *(int*)(0xC0000000 + (int)&read_me)", "continue",
                              "p $pc == (char*)after_loop + 5", "delete",
                              "awatch *(int*)&spin_iterations", "continue", "x/i $pc"});
  EXPECT_HAS(out, "Hardware read watchpoint 1");
  EXPECT_HAS(out, "Value = 1611526157");
  EXPECT_HAS(out, "$1 = 1\n");
  EXPECT_HAS(out, "Hardware access (read/write) watchpoint 2");
  EXPECT_MATCHES(out, R"(Value = 1000\n0x[0-9a-f]+ in .*\n=> 0x[0-9a-f]+ <.*>:\s+test\s+%ecx,%ecx)");
}

TEST_F(GdbLiveTest, BreakpointAtAnInterruptHandlerStopsBeforeItRuns) {
  std::string out = live.gdb({"break *timer_handler", "continue", "x/dw &ticks", "continue",
                              "x/dw &ticks", "bt 1"});
  EXPECT_MATCHES(out, R"(Breakpoint 1, 0x[0-9a-f]+ in timer_handler \(\))");
  // The handler has not run when gdb stops; once it has, ticks is 1.
  EXPECT_MATCHES(out, R"(0x10[0-9a-f]+:\s+0\n[\s\S]*0x10[0-9a-f]+:\s+1\n)");
}

TEST_F(GdbLiveTest, FloatRegistersAreEightyBitsInStackOrder) {
  std::string out = live.gdb({"break *gdb_loop", "continue", "p $st0", "p $st1", "p/x $fstat",
                              "p/x $ftag"});
  EXPECT_HAS(out, "$1 = 1\n");
  EXPECT_HAS(out, "$2 = 3.14159265358979323851");
  EXPECT_HAS(out, "$3 = 0x3000");  // TOP = 6
  EXPECT_HAS(out, "$4 = 0xfff");
}

TEST_F(GdbLiveTest, MonitorCommandsAnswerOrSayWhyNot) {
  std::string out = live.gdb({"monitor icount", "monitor help", "monitor phys 0x100000 8",
                              "monitor seek 10", "monitor events", "monitor diverge", "monitor digest",
                              "monitor frobnicate"});
  EXPECT_HAS(out, "icount 0\n");
  EXPECT_HAS(out, "seek ICOUNT");
  EXPECT_HAS(out, "target: a live machine");
  EXPECT_HAS(out, "00100000: 02 b0 ad 1b 02 00 00 00");
  EXPECT_HAS(out, "at icount 10; gdb's registers are stale");
  EXPECT_HAS(out, "events are not available on a live machine");
  EXPECT_HAS(out, "diverge is not available on a live machine");
  EXPECT_MATCHES(out, R"(digest [0-9a-f]{64} at icount 10)");
  EXPECT_HAS(out, "unknown monitor command 'frobnicate'");
}

TEST_F(GdbLiveTest, LiveWritesChangeWhatTheGuestDoes) {
  std::string out = live.gdb({"set $eax = 5", "p $eax", "set var *(int*)&spin_iterations = 7",
                              "x/dw &spin_iterations", "set $eax = 0x2badb002", "continue"});
  EXPECT_HAS(out, "$1 = 5\n");
  EXPECT_MATCHES(out, R"(0x10[0-9a-f]+:\s+7\n)");
  EXPECT_HAS(out, "tandem: the guest powered off at icount");
  EXPECT_HAS(out, "exited normally");
}

TEST_F(ReadOnlyGdbLiveTest, WritesAreRefusedWithTheReasonShown) {
  std::string out = live.gdb({"set $eax = 1", "set var *(int*)&counter = 5", "p $eax",
                              "x/xw &counter"});
  EXPECT_HAS(out, "Could not write register \"eax\"; remote failure reply 'E.this machine is "
                  "read-only: writes to registers and memory are refused'");
  EXPECT_MATCHES(out, R"(Cannot access memory at address 0x[0-9a-f]+)");
  EXPECT_HAS(out, "$1 = 732803074");  // unchanged: the multiboot magic
  EXPECT_MATCHES(out, R"(0x10[0-9a-f]+:\s+0x00000000)");
}

TEST_F(GdbLiveTest, CtrlCInterruptsAContinue) {
  auto g = live.startGdb({"set var *(int*)&spin_iterations = -1", "echo READY\\n", "continue",
                          "p $pc", "monitor icount", "kill"});
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->waitFor("READY", GdbLiveSession::kGdbTimeoutMs)) << g->output();
  // Let the guest get into its spin, then do what Ctrl-C on gdb's terminal does.
  ::usleep(500 * 1000);
  g->signal(SIGINT);
  g->wait(GdbLiveSession::kGdbTimeoutMs);
  const std::string& out = g->output();
  EXPECT_HAS(out, "Program received signal SIGINT, Interrupt.");
  EXPECT_MATCHES(out, R"(\$1 = \(void \(\*\)\(\)\) 0x[0-9a-f]+ <spin(\+[0-9])?>)");
  EXPECT_MATCHES(out, R"(icount [1-9][0-9]{6,})");
  EXPECT_HAS(out, "killed");
  std::string server;
  EXPECT_EQ(live.serverExit(&server), 0);
  EXPECT_HAS(server, "killed by gdb");
}

TEST_F(GdbLiveTest, RunningToTheEndReportsTheGuestExited) {
  std::string out = live.gdb({"continue", "info registers"});
  EXPECT_MATCHES(out, R"(tandem: the guest powered off at icount [0-9]+\n)");
  EXPECT_HAS(out, "[Inferior 1 (Remote target) exited normally]");
  EXPECT_HAS(out, "The program has no registers now.");
}

TEST_F(GdbLiveTest, DetachingLeavesTheServerForTheNextClientUnlessOnce) {
  std::string out = live.gdb({"stepi", "detach"});
  EXPECT_HAS(out, "[Inferior 1 (Remote target) detached]");
  std::string server;
  EXPECT_EQ(live.serverExit(&server), 0);  // --once: done after the first client
  EXPECT_HAS(server, "client done at icount 1");
}

}  // namespace
}  // namespace tandem::test
