// Properties that must hold whatever the guest executes: the CPU never
// touches host memory outside guest RAM, decoded code follows writes to
// it, and a saved state continues exactly as the original.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/cpu/TestMachine.h"
#include "vmm/cpu/CpuInline.h"

namespace tandem::test {
namespace {

// Random bytes as code, from random register states, in protected and real
// mode, with paging on over random page tables: every run must end in
// guest-visible behaviour (exceptions, halts, triple faults), never in a
// host crash. Guest RAM is small so that wild addresses are common.
TEST(CpuRobustness, RandomCodeStaysInsideGuestRam) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 150; ++round) {
    TestMachine m(1 << 20);
    std::vector<uint8_t> noise(1 << 20);
    for (auto& b : noise) b = static_cast<uint8_t>(rng());
    ASSERT_TRUE(m.mem.write(GuestPhys(0), noise.data(), noise.size()));
    CpuState s = resetCpuState();
    if (round % 3 != 0) {
      s.cr0 |= cr0::PE;
      s.seg[CS] = SegmentCache{0, 0xFFFFFFFFu, 0x08, 0xC09B, 1};
      for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = SegmentCache{0, 0xFFFFFFFFu, 0x10, 0xC093, 1};
      s.gdtr = {static_cast<uint32_t>(rng() & 0xFFFFF), static_cast<uint32_t>(rng() & 0xFFFF)};
      s.idtr = {static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng() & 0x7FF)};
      if (round % 3 == 2) {
        s.cr3 = static_cast<uint32_t>(rng() & 0xFF000);
        s.cr4 = cr4::PSE;
        s.cr0 |= cr0::PG;
      }
    }
    for (unsigned r = 0; r < 8; ++r) s.gpr[r] = static_cast<uint32_t>(rng());
    s.eip = static_cast<uint32_t>(rng()) & ((round % 3 == 0) ? 0xFFFF : 0xFFFFFFFF);
    if (round % 7 == 0) s.eip = 0xFFFFFFF0u + (round % 16);
    m.cpu.loadState(s);
    for (int k = 0; k < 20; ++k) {
      RunResult r = m.cpu.run(5000);
      if (r.reason == StopReason::kShutdown) break;
      if (r.reason == StopReason::kHalted) {
        CpuState h = m.cpu.saveState();
        h.halted = 0;
        m.cpu.loadState(h);
      }
    }
  }
  SUCCEED();
}

TEST(CpuRobustness, WriteToTheNextInstructionTakesEffect) {
  TestMachine m;
  // The store rewrites the immediate of the following MOV.
  m.loadProtected(R"(
    mov byte [target + 1], 0x42
  target:
    mov eax, 0x11111111
    hlt
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 0x11111142u);
}

TEST(CpuRobustness, PatchedBlockIsDecodedAgainWhenReentered) {
  TestMachine m;
  // `body` runs once (decoded and cached), is patched by a store from
  // another block, and runs again with the new immediate.
  m.loadProtected(R"(
    xor ebx, ebx
  body:
    mov eax, 1
    add ebx, eax
    cmp ebx, 1
    jne done
    mov byte [body + 1], 5
    jmp body
  done:
    hlt
  )");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 5u);
  EXPECT_EQ(m.reg(EBX), 6u);
}

TEST(CpuRobustness, CodeWrittenFromOutsideIsDecodedAgain) {
  TestMachine m;
  m.loadProtected("mov eax, 1\nhlt");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 1u);
  m.loadProtected("mov eax, 2\nhlt");
  ASSERT_EQ(m.runToHalt().reason, StopReason::kHalted);
  EXPECT_EQ(m.reg(EAX), 2u);
}

TEST(CpuRobustness, SavedStateContinuesIdentically) {
  const char* program = R"(
    mov ecx, 5000
    xor eax, eax
    mov esi, 0x20000
  l:
    imul eax, eax, 31
    add eax, ecx
    mov [esi + ecx*4], eax
    rep stosb
    mov edi, 0x30000
    mov ecx, ecx
    loop l
    hlt
  )";
  TestMachine a;
  a.loadProtected(program);
  a.cpu.run(12345);
  CpuState mid = a.cpu.saveState();
  std::vector<uint8_t> ram(a.mem.size());
  ASSERT_TRUE(a.mem.read(GuestPhys(0), ram.data(), ram.size()));
  a.runToHalt();

  TestMachine b;
  ASSERT_TRUE(b.mem.write(GuestPhys(0), ram.data(), ram.size()));
  b.cpu.loadState(mid);
  b.runToHalt();
  CpuState ea = a.cpu.saveState(), eb = b.cpu.saveState();
  EXPECT_EQ(0, memcmp(&ea, &eb, sizeof ea));
  std::vector<uint8_t> ra(a.mem.size()), rb(b.mem.size());
  ASSERT_TRUE(a.mem.read(GuestPhys(0), ra.data(), ra.size()));
  ASSERT_TRUE(b.mem.read(GuestPhys(0), rb.data(), rb.size()));
  EXPECT_EQ(ra, rb);
}

TEST(CpuRobustness, RepStringCountsEachIterationAndResumesAfterBudget) {
  TestMachine m;
  m.loadProtected(R"(
    mov edi, 0x20000
    mov ecx, 100
    mov al, 0xAB
    rep stosb
    hlt
  )");
  RunResult r = m.cpu.run(3 + 40);  // three MOVs and 40 iterations
  EXPECT_EQ(r.reason, StopReason::kBudget);
  EXPECT_EQ(m.reg(ECX), 60u);
  EXPECT_EQ(m.cpu.st.eip, TestMachine::kCodeBase + 12);  // still on the REP STOSB
  r = m.runToHalt();
  EXPECT_EQ(r.reason, StopReason::kHalted);
  EXPECT_EQ(m.cpu.icount().value(), 3u + 100u + 1u);
  EXPECT_EQ(m.read32(0x20000 + 96), 0xABABABABu);
}

}  // namespace
}  // namespace tandem::test
