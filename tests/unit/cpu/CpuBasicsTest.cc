#include <gtest/gtest.h>

#include "tests/unit/cpu/TestMachine.h"

namespace tandem::test {
namespace {

TEST(CpuBasics, ProtectedModeArithmeticRunsToHalt) {
  TestMachine m;
  m.loadProtected(R"(
    mov eax, 5
    add eax, 3
    mov ebx, eax
    shl ebx, 4
    hlt
  )");
  RunResult r = m.runToHalt();
  EXPECT_EQ(r.reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 8u);
  EXPECT_EQ(m.reg(EBX), 128u);
  EXPECT_EQ(m.cpu.icount().value(), 5u);
}

TEST(CpuBasics, RealModeLoopAndStack) {
  TestMachine m;
  m.loadReal(R"(
    mov cx, 10
    xor ax, ax
  again:
    add ax, cx
    push ax
    pop bx
    loop again
    hlt
  )");
  RunResult r = m.runToHalt();
  EXPECT_EQ(r.reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX) & 0xFFFF, 55u);
  EXPECT_EQ(m.reg(EBX) & 0xFFFF, 55u);
}

TEST(CpuBasics, BudgetStopsAtExactInstructionCount) {
  TestMachine m;
  m.loadProtected(R"(
    xor eax, eax
  l: inc eax
    jmp l
  )");
  RunResult r = m.cpu.run(1001);
  EXPECT_EQ(r.reason, StopReason::kBudget);
  EXPECT_EQ(r.executed, 1001u);
  EXPECT_EQ(m.reg(EAX), 500u);
  r = m.cpu.run(1);
  EXPECT_EQ(m.reg(EAX), 501u);
}

}  // namespace
}  // namespace tandem::test
