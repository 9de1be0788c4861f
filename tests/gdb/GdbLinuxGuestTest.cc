// Debian's gdb against `tandem gdb-live` on the default guest (Debian's
// i386 kernel, no symbols, decompressed by its own code in the guest): a
// breakpoint where the decompressed kernel is entered, a step there, and a Ctrl-C once the kernel runs with paging on
// at PAGE_OFFSET, its memory read through its own page tables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <regex>

#include "tests/gdb/GdbLiveSession.h"

namespace tandem::test {
namespace {

// CONFIG_PHYSICAL_START (see GUEST.md): where the decompressor leaves the
// kernel and enters it (startup_32, paging off).
constexpr char kKernelEntry[] = "0x1000000";

TEST(GdbLinuxGuest, BreakAtTheKernelEntryStepAndInterruptTheRunningKernel) {
  GdbLiveSession live{GdbLiveSession::DefaultGuest{}, {"--decompress-in-guest"}};
  ASSERT_TRUE(live.serving());
  auto g = live.startGdb({std::string("break *") + kKernelEntry, "continue", "monitor icount",
                          "stepi", "monitor icount", "p/x $pc", "delete", "echo RUNNING\\n",
                          "continue", "p/x $pc", "x/4xb $pc", "p/x $cs", "kill"});
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->waitFor("RUNNING", 300000)) << g->output();
  ::sleep(3);
  g->signal(SIGINT);
  g->wait(60000);
  const std::string& out = g->output();
  EXPECT_NE(out.find("Breakpoint 1, 0x01000000 in ?? ()"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(icount (\d+)\n0x01000006 in [^\n]*\nicount (\d+)\n)"))) << out;
  EXPECT_EQ(std::stoull(m[2]), std::stoull(m[1]) + 1);
  EXPECT_NE(out.find("Program received signal SIGINT, Interrupt."), std::string::npos) << out;
  // Interrupted in the kernel proper, above PAGE_OFFSET, and its code is
  // readable through the guest's page tables.
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\$2 = 0xc[0-9a-f]{7}\n0xc[0-9a-f]{7}[^\n]*:\s+0x)")))
      << out;
  EXPECT_NE(out.find("$3 = 0x60"), std::string::npos) << out;  // __KERNEL_CS
}

// Time travel on the running kernel (virtual clock, the default): a
// breakpoint where it stood at one icount is found again going back from a
// later one, and reverse-stepi undoes exactly one instruction there.
TEST(GdbLinuxGuest, ReverseContinueAndReverseStepiInTheRunningKernel) {
  GdbLiveSession live{GdbLiveSession::DefaultGuest{}};
  ASSERT_TRUE(live.serving());
  std::string out = live.gdb({"monitor seek 30000000", "maintenance flush register-cache",
                              "p/x $pc", "break *$pc", "monitor seek 60000000",
                              "maintenance flush register-cache", "reverse-continue",
                              "monitor icount", "p/x $pc", "stepi", "reverse-stepi",
                              "monitor icount", "kill"});
  std::smatch pc;
  ASSERT_TRUE(std::regex_search(out, pc, std::regex(R"(\$1 = (0x[0-9a-f]+)\n)"))) << out;
  EXPECT_NE(out.find("Breakpoint 1, " + pc[1].str()), std::string::npos) << out;
  std::smatch at;
  ASSERT_TRUE(std::regex_search(out, at, std::regex(R"(icount (\d+)\n\$2 = (0x[0-9a-f]+)\n[\s\S]*icount (\d+)\n)")))
      << out;
  uint64_t hit = std::stoull(at[1]);
  EXPECT_GE(hit, 30000000u);
  EXPECT_LT(hit, 60000000u);
  EXPECT_EQ(at[2].str(), pc[1].str());
  EXPECT_EQ(std::stoull(at[3]), hit);
}

}  // namespace
}  // namespace tandem::test
