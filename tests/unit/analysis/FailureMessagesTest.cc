#include "analysis/FailureMessages.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

std::vector<PrintkRecord> records(std::initializer_list<const char*> lines) {
  std::vector<PrintkRecord> out;
  uint64_t seq = 0;
  for (const char* l : lines) out.push_back({seq++, seq * 1000, 4, 0, 0, l});
  return out;
}

TEST(FailureMessages, APageFaultOopsOpensWithItsBugLine) {
  auto r = records({"tandem_crash: NULL pointer dereference",
                    "BUG: kernel NULL pointer dereference, address: 00000000",
                    "#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page",
                    "*pde = 00000000 ", "Oops: 0000 [#1] PREEMPT SMP",
                    "CPU: 0 PID: 90 Comm: dd Tainted: G           OE      6.1.0-50-686 #1",
                    "Kernel panic - not syncing: Fatal exception"});
  FailureMessages m = FailureMessages::scan(r);
  EXPECT_EQ(m.die, 5u);
  EXPECT_EQ(m.headline, 1u);
  EXPECT_EQ(m.die_what, "Oops");
  EXPECT_EQ(m.die_code, 0u);
  EXPECT_EQ(m.panic, 7u);
  EXPECT_EQ(m.panic_reason, "Fatal exception");
  EXPECT_EQ(m.oops_pid, 90);
  EXPECT_EQ(m.oops_comm, "dd");
  EXPECT_FALSE(m.soft_lockup);
}

TEST(FailureMessages, AnOopsWithoutABugLineIsNamedByItsDieLine) {
  auto r = records({"kernel BUG at old.c:1!", "a", "b", "c", "d", "e", "f", "g", "h",
                    "divide error: 0000 [#2] PREEMPT SMP", "EIP: f+0x1/0x2"});
  FailureMessages m = FailureMessages::scan(r);
  EXPECT_EQ(m.die, 9u);
  EXPECT_EQ(m.headline, 9u);  // the BUG line is too far back to belong to it
  EXPECT_EQ(m.die_what, "divide error");
  EXPECT_FALSE(m.panic);
  EXPECT_EQ(m.oops_pid, -1);
}

TEST(FailureMessages, TheLatestOfEachKindCounts) {
  auto r = records({"kernel BUG at tandem_crash.c:36!", "invalid opcode: 0006 [#1] PREEMPT SMP",
                    "watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [dd:91]",
                    "Kernel panic - not syncing: softlockup: hung tasks"});
  FailureMessages m = FailureMessages::scan(r);
  EXPECT_EQ(m.die, 1u);
  EXPECT_EQ(m.headline, 0u);
  EXPECT_EQ(m.die_code, 6u);
  EXPECT_EQ(m.soft_lockup, 2u);
  EXPECT_EQ(m.panic_reason, "softlockup: hung tasks");
}

TEST(FailureMessages, OrdinaryLinesAreNoFailure) {
  auto r = records({"Linux version 6.1.0", "x86/fpu: x87 FPU will use FXSAVE", "Run /init as init process",
                    "WARNING: CPU: 0 PID: 1 at foo.c:3 bar+0x1/0x2", "random: crng init done"});
  FailureMessages m = FailureMessages::scan(r);
  EXPECT_FALSE(m.die || m.headline || m.soft_lockup || m.panic);
}

}  // namespace
}  // namespace tandem
