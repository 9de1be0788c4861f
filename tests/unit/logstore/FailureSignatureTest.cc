#include "logstore/FailureSignature.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(FailureSignature, AddressesNumbersAndTimestampsDoNotChangeIt) {
  EXPECT_EQ(normaliseFailureText("[   12.345678] BUG: unable to handle page fault for address: c1234567"),
            "BUG: unable to handle page fault for address: #");
  EXPECT_EQ(normaliseFailureText("CPU: 0 PID: 73 Comm: sh Not tainted 6.1.0-50-686 #1"),
            "CPU: # PID: # Comm: sh Not tainted #.#.#-#-# ##");
  EXPECT_EQ(normaliseFailureText("EIP: 0x0060:0xc10a2b3c  cafe beef"), "EIP: #:# cafe beef");
  auto a = failureSignature(pb::OOPS, {}, "[ 3.1] BUG: unable to handle page fault for address: c1234567");
  auto b = failureSignature(pb::OOPS, {}, "[ 9.7] BUG: unable to handle page fault for address: c7654320");
  EXPECT_EQ(a, b);
}

TEST(FailureSignature, FrameOffsetsAndUnreliableFramesDoNotChangeIt) {
  EXPECT_EQ(normaliseFrame("do_exit+0x5c/0x70"), "do_exit");
  EXPECT_EQ(normaliseFrame(" mymod_ioctl+0x10/0x40 [mymod]"), "mymod_ioctl [mymod]");
  EXPECT_EQ(normaliseFrame("? printk+0x1/0x2"), "");
  auto a = failureSignature(pb::PANIC, {"panic+0xb4/0x28a", "? foo+0x1/0x2", "sysrq_handle_crash+0x15/0x15"}, "x 1");
  auto b = failureSignature(pb::PANIC, {"panic+0xb0/0x280", "sysrq_handle_crash+0x11/0x15"}, "x 2");
  EXPECT_EQ(a, b);
}

TEST(FailureSignature, TheMessagesFirstLineCountsWithAStack) {
  std::vector<std::string> stack = {"tandem_crash_null+0x12/0x27 [tandem_crash]", "tandem_crash_write+0x9b/0xbd [tandem_crash]"};
  auto null = failureSignature(pb::OOPS, stack, "BUG: kernel NULL pointer dereference, address: 00000000\nCPU: 0 PID: 90");
  EXPECT_EQ(null, failureSignature(pb::OOPS, stack, "\n[    4.38] BUG: kernel NULL pointer dereference, address: 00000000\nPID: 7"));
  EXPECT_NE(null, failureSignature(pb::OOPS, stack, "BUG: unable to handle page fault for address: c8800000"));
  EXPECT_EQ(firstMessageLine("\n[   1.5]  \nsecond\nthird"), "second");
}

TEST(FailureSignature, NumbersWithUnitsKeepTheUnit) {
  EXPECT_EQ(normaliseFailureText("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [dd:90]"),
            "watchdog: BUG: soft lockup - CPU## stuck for #s! [dd:#]");
  EXPECT_EQ(normaliseFailureText("took 4ms, then 250Hz"), "took #ms, then #Hz");
  EXPECT_EQ(normaliseFailureText("i386 x86_64 ext4"), "i386 x86_64 ext4");
}

TEST(FailureSignature, DifferentKindOrFunctionGivesADifferentSignature) {
  auto base = failureSignature(pb::PANIC, {"panic+0x1/0x2", "a+0x1/0x2"}, "");
  EXPECT_NE(base, failureSignature(pb::OOPS, {"panic+0x1/0x2", "a+0x1/0x2"}, ""));
  EXPECT_NE(base, failureSignature(pb::PANIC, {"panic+0x1/0x2", "b+0x1/0x2"}, ""));
  EXPECT_NE(failureSignature(pb::HANG, {}, "watchdog: no progress"),
            failureSignature(pb::HANG, {}, "watchdog: interrupts disabled"));
}

TEST(FailureSignature, IsStableAcrossBuildsAndReadable) {
  // Fixed values: changing the algorithm would split the archive's history,
  // so it is versioned ("tandem-signature-v2") and pinned here.
  EXPECT_EQ(failureSignature(pb::TRIPLE_FAULT, {}, ""), "triple_fault-681d0b05c7ea9798");
  EXPECT_EQ(failureSignature(pb::PANIC, {"panic+0xb4/0x28a", "sysrq_handle_crash+0x15/0x15"}, ""),
            "panic-f4dfe7d63c5db6cd");
}

}  // namespace
}  // namespace tandem
