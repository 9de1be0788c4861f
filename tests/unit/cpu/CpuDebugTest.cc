#include <gtest/gtest.h>

#include "tests/unit/cpu/TestMachine.h"

namespace tandem::test {
namespace {

constexpr uint32_t kBase = TestMachine::kCodeBase;

TEST(CpuDebug, BreakpointStopsBeforeTheInstructionAndResumesPastIt) {
  TestMachine m;
  m.loadProtected(R"(
    mov eax, 1        ; 5 bytes
    mov ebx, 2        ; at +5
    mov ecx, 3
    hlt
  )");
  m.cpu.setBreakpoints({kBase + 5});
  RunResult r = m.cpu.run(100);
  EXPECT_EQ(r.reason, StopReason::kDebug);
  EXPECT_TRUE(m.cpu.debugStop().breakpoint);
  EXPECT_EQ(m.cpu.st.eip, kBase + 5);
  EXPECT_EQ(m.reg(EAX), 1u);
  EXPECT_EQ(m.reg(EBX), 0u);
  EXPECT_EQ(m.cpu.icount().value(), 1u);
  r = m.cpu.run(100);
  EXPECT_EQ(r.reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(ECX), 3u);
}

TEST(CpuDebug, WriteWatchStopsAfterTheWritingInstruction) {
  TestMachine m;
  m.loadProtected(R"(
    mov dword [0x20000], 5     ; not watched
    mov eax, [0x20104]         ; a read: not a write watch
    mov dword [0x20100], 7     ; watched
    mov ebx, 9
    hlt
  )");
  m.cpu.setWatches({DataWatch{0x20100, 4, kWatchWrite, -1}});
  RunResult r = m.cpu.run(100);
  ASSERT_EQ(r.reason, StopReason::kDebug);
  EXPECT_FALSE(m.cpu.debugStop().breakpoint);
  EXPECT_EQ(m.cpu.debugStop().address, 0x20100u);
  EXPECT_EQ(m.cpu.icount().value(), 3u);
  EXPECT_EQ(m.read32(0x20100), 7u);
  EXPECT_EQ(m.reg(EBX), 0u);
  EXPECT_EQ(m.cpu.run(100).reason, StopReason::kHalted);
}

TEST(CpuDebug, ReadWatchSeesPartialOverlapAndStringInstructions) {
  TestMachine m;
  m.loadProtected(R"(
    mov esi, 0x20000
    mov edi, 0x30000
    mov ecx, 64
    cld
    rep movsd           ; reads 0x20000..0x200FF
    hlt
  )");
  m.cpu.setWatches({DataWatch{0x20042, 1, kWatchRead, -1}});
  RunResult r = m.cpu.run(1000);
  ASSERT_EQ(r.reason, StopReason::kDebug);
  EXPECT_EQ(m.cpu.debugStop().address, 0x20042u);
  // Stopped after the iteration that read 0x20040..0x20043, on the REP.
  EXPECT_EQ(m.reg(ESI), 0x20044u);
  EXPECT_EQ(m.reg(ECX), 64u - 17u);
  EXPECT_EQ(m.cpu.st.eip, kBase + 16);
  m.cpu.setWatches({});
  EXPECT_EQ(m.cpu.run(1000).reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(ECX), 0u);
}

TEST(CpuDebug, BreakpointAndWatchInAnStiShadowStop) {
  TestMachine m;
  m.loadProtected(R"(
    sti                        ; 1 byte
    mov dword [0x20100], 7     ; at +1, in the interrupt shadow
    mov ebx, 9
    hlt
  )");
  m.cpu.setBreakpoints({kBase + 1});
  m.cpu.setWatches({DataWatch{0x20100, 4, kWatchWrite, -1}});
  RunResult r = m.cpu.run(100);
  ASSERT_EQ(r.reason, StopReason::kDebug);
  EXPECT_TRUE(m.cpu.debugStop().breakpoint);
  EXPECT_EQ(m.cpu.st.eip, kBase + 1);
  EXPECT_EQ(m.cpu.icount().value(), 1u);
  r = m.cpu.run(100);
  ASSERT_EQ(r.reason, StopReason::kDebug);
  EXPECT_FALSE(m.cpu.debugStop().breakpoint);
  EXPECT_EQ(m.cpu.icount().value(), 2u);
  EXPECT_EQ(m.read32(0x20100), 7u);
  EXPECT_EQ(m.reg(EBX), 0u);
}

TEST(CpuDebug, BreakpointWhereALoadedStateStandsStopsThere) {
  TestMachine m;
  m.loadProtected(R"(
    mov eax, 1        ; 5 bytes
    mov ebx, 2        ; at +5
    hlt
  )");
  m.cpu.setBreakpoints({kBase + 5});
  ASSERT_EQ(m.cpu.run(100).reason, StopReason::kDebug);
  CpuState at_breakpoint = m.cpu.saveState();
  ASSERT_EQ(m.cpu.run(100).reason, StopReason::kHalted);  // resumed past it
  // A state put back (time travel) arrives at the breakpoint afresh.
  m.cpu.loadState(at_breakpoint);
  EXPECT_EQ(m.cpu.run(100).reason, StopReason::kDebug);
  EXPECT_EQ(m.cpu.st.eip, kBase + 5);
  EXPECT_EQ(m.reg(EBX), 0u);
}

TEST(CpuDebug, ClearingBreakpointsRestoresFullSpeedPaths) {
  TestMachine m;
  m.loadProtected(R"(
    xor eax, eax
  l: inc eax
    cmp eax, 1000
    jne l
    hlt
  )");
  m.cpu.setBreakpoints({kBase + 2});
  EXPECT_EQ(m.cpu.run(100000).reason, StopReason::kDebug);
  EXPECT_EQ(m.reg(EAX), 0u);
  EXPECT_EQ(m.cpu.run(100000).reason, StopReason::kDebug);
  EXPECT_EQ(m.reg(EAX), 1u);
  m.cpu.setBreakpoints({});
  EXPECT_EQ(m.cpu.run(100000).reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 1000u);
}


// The frame an interrupt pushes is written by the delivery, not by an
// instruction: the stop comes right after it, at the handler's first
// instruction, before the handler runs.
TEST(CpuDebug, WatchOnTheStackStopsWhenAnInterruptDeliveryPushesItsFrame) {
  TestMachine m;
  m.loadProtected(R"(
    lidt [idtr]
    sti
    nop                        ; the interrupt comes after this (STI's shadow)
    hlt
  handler:
    mov eax, 0x55
    iret
  align 8
  idt:
    times 0x20 dq 0
    dw handler - $$, 0x08, 0x8E00, 0x0001   ; interrupt gate at 0x10000 + offset
  idtr:
    dw 0x21 * 8 - 1
    dd idt
  )");
  m.cpu.setIntr(true);
  m.cpu.setWatches({DataWatch{TestMachine::kStackTop - 4, 4, kWatchWrite, -1}});
  RunResult r = m.cpu.run(100);
  ASSERT_EQ(r.reason, StopReason::kDebug);
  EXPECT_FALSE(m.cpu.debugStop().breakpoint);
  EXPECT_TRUE(m.cpu.debugStop().delivery);
  EXPECT_EQ(m.cpu.debugStop().address, TestMachine::kStackTop - 4);
  EXPECT_EQ(m.cpu.icount().value(), 3u);
  EXPECT_EQ(m.cpu.st.eip, kBase + 10);  // handler
  EXPECT_EQ(m.reg(EAX), 0u);
  EXPECT_EQ(m.bus.acks, 1);
  // An instruction's own write is not a delivery.
  m.cpu.setIntr(false);
  m.cpu.setWatches({DataWatch{TestMachine::kStackTop - 12, 4, kWatchRead, -1}});
  ASSERT_EQ(m.cpu.run(100).reason, StopReason::kDebug);  // IRET reads the frame
  EXPECT_FALSE(m.cpu.debugStop().delivery);
  EXPECT_EQ(m.reg(EAX), 0x55u);
}

}  // namespace
}  // namespace tandem::test
