#include "analysis/Backtrace.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/analysis/CraftedMemory.h"

namespace tandem {
namespace {

using testing::CraftedMemory;

KernelSymbols textSymbols() {
  return KernelSymbols({{0xC0800000, 'T', "_stext"},
                        {0xC0800100, 'T', "leaf"},
                        {0xC0800200, 'T', "middle"},
                        {0xC0800300, 'T', "outer"},
                        {0xC0800400, 't', "handle_irq"},
                        {0xC0800500, 'T', "asm_common_interrupt"},
                        {0xC0800600, 'T', "interrupted_fn"},
                        {0xC0800700, 'T', "_etext"}});
}

struct Stack {
  CraftedMemory m;
  uint32_t base = m.alloc(8192, 8192);
  // A frame at base + off: saved EBP and return address.
  void frame(uint32_t off, uint32_t saved_ebp, uint32_t ret) {
    m.put32(base + off, saved_ebp);
    m.put32(base + off + 4, ret);
  }
};

TEST(Backtrace, FollowsTheFramePointerChain) {
  Stack s;
  s.frame(0x1000, s.base + 0x1100, 0xC0800210);  // leaf's frame: called from middle
  s.frame(0x1100, s.base + 0x1200, 0xC0800320);  // middle's: called from outer
  s.frame(0x1200, 0, 0xC0800330);                 // outer's: last
  auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, s.base + 0x1000,
                            s.base + 0xFF0);
  ASSERT_EQ(bt.frames().size(), 4u) << bt.format();
  EXPECT_EQ(bt.frames()[0].where, "leaf+0x4/0x100");
  EXPECT_EQ(bt.frames()[1].where, "middle+0x10/0x100");
  EXPECT_EQ(bt.frames()[2].where, "outer+0x20/0x100");
  EXPECT_EQ(bt.frames()[3].pc, 0xC0800330u);
  EXPECT_EQ(bt.end(), "end of chain");
  EXPECT_TRUE(bt.contains("middle"));
  EXPECT_FALSE(bt.contains("mid"));
  EXPECT_EQ(bt.format().substr(0, 30), " #0 0xc0800104 leaf+0x4/0x100\n");
}

// leaf has pushed nothing yet (or is an assembly helper without a frame):
// ebp is still middle's, whose return address leads to outer, so the chain
// alone skips middle. The probe says leaf's CFA is 4 above esp.
TEST(Backtrace, AProbeFindsTheCallerOfCodeWithoutAFrame) {
  Stack s;
  s.m.put32(s.base + 0xFF0, 0xC0800210);          // leaf's return address, at esp
  s.frame(0x1100, s.base + 0x1200, 0xC0800320);  // middle's frame: called from outer
  s.frame(0x1200, 0, 0xC0800330);
  auto probe = [](uint32_t pc) -> std::optional<uint32_t> {
    return pc >= 0xC0800100 && pc < 0xC0800200 ? std::optional<uint32_t>(4) : std::nullopt;
  };
  auto plain = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800100, s.base + 0x1100,
                               s.base + 0xFF0);
  ASSERT_EQ(plain.frames().size(), 3u) << plain.format();
  EXPECT_EQ(plain.frames()[1].where, "outer+0x20/0x100");
  auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800100, s.base + 0x1100,
                            s.base + 0xFF0, 8192, probe);
  ASSERT_EQ(bt.frames().size(), 4u) << bt.format();
  EXPECT_EQ(bt.frames()[0].where, "leaf+0x0/0x100");
  EXPECT_EQ(bt.frames()[1].where, "middle+0x10/0x100");
  EXPECT_EQ(bt.frames()[2].where, "outer+0x20/0x100");
  EXPECT_EQ(bt.end(), "end of chain");
}

TEST(Backtrace, ReturnAddressAfterANoreturnCallNamesTheCaller) {
  Stack s;
  // The call was the last instruction of middle: the return address is
  // the first byte of outer.
  s.frame(0x1000, 0, 0xC0800300);
  auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, s.base + 0x1000,
                            s.base + 0xFF0);
  ASSERT_EQ(bt.frames().size(), 2u);
  EXPECT_EQ(bt.frames()[1].where, "middle+0x100/0x100");
}

TEST(Backtrace, CrossesAnInterruptFrameIntoTheInterruptedCode) {
  Stack s;
  uint32_t regs = s.base + 0x1800;
  s.frame(0x1700, regs & 0x7FFFFFFF, 0xC0800510);  // handle_irq called from the entry code
  uint32_t pt_regs[17] = {};
  pt_regs[5] = s.base + 0x1900;  // bp
  pt_regs[12] = 0xC0800608;      // ip
  pt_regs[13] = 0x60;            // cs: kernel
  s.m.put(regs, pt_regs, sizeof pt_regs);
  s.frame(0x1900, 0, 0xC0800320);
  auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800410, s.base + 0x1700,
                            s.base + 0x16F0);
  ASSERT_EQ(bt.frames().size(), 4u) << bt.format();
  EXPECT_EQ(bt.frames()[1].where, "asm_common_interrupt+0x10/0x100");
  EXPECT_TRUE(bt.frames()[2].exception);
  EXPECT_EQ(bt.frames()[2].where, "interrupted_fn+0x8/0x100");
  EXPECT_EQ(bt.frames()[3].where, "outer+0x20/0x100");

  pt_regs[13] = 0x73;  // from user mode: the walk ends there
  s.m.put(regs, pt_regs, sizeof pt_regs);
  bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800410, s.base + 0x1700, s.base + 0x16F0);
  EXPECT_EQ(bt.frames().size(), 2u);
  EXPECT_EQ(bt.end(), "user mode");

  // The interrupted code had no frame of its own: its caller, outer, is
  // found through pt_regs.sp.
  pt_regs[13] = 0x60;
  pt_regs[15] = s.base + 0x1880;  // sp
  s.m.put(regs, pt_regs, sizeof pt_regs);
  s.m.put32(s.base + 0x1880, 0xC0800340);
  bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800410, s.base + 0x1700, s.base + 0x16F0,
                       8192, [](uint32_t pc) -> std::optional<uint32_t> {
                         return pc >= 0xC0800600 && pc < 0xC0800700 ? std::optional<uint32_t>(4)
                                                                    : std::nullopt;
                       });
  ASSERT_EQ(bt.frames().size(), 5u) << bt.format();
  EXPECT_EQ(bt.frames()[2].where, "interrupted_fn+0x8/0x100");
  EXPECT_EQ(bt.frames()[3].where, "outer+0x40/0x100");
  EXPECT_EQ(bt.frames()[4].where, "outer+0x20/0x100");

  std::fill(std::begin(pt_regs), std::end(pt_regs), 0);  // a kernel thread's: nothing interrupted
  s.m.put(regs, pt_regs, sizeof pt_regs);
  bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800410, s.base + 0x1700, s.base + 0x16F0);
  EXPECT_EQ(bt.frames().size(), 2u) << bt.format();
  EXPECT_EQ(bt.end(), "end of chain");
}

TEST(Backtrace, GarbageChainsEndCleanly) {
  {
    Stack s;
    s.frame(0x1000, s.base + 0x1100, 0xC0800210);
    s.frame(0x1100, s.base + 0x1000, 0xC0800320);  // back down: a loop
    auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, s.base + 0x1000,
                              s.base + 0xFF0);
    EXPECT_EQ(bt.end(), "frame pointer goes down the stack");
    EXPECT_EQ(bt.frames().size(), 3u);
  }
  {
    Stack s;
    s.frame(0x1000, s.base + 0x1100, 0x08048000);  // a user address
    auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, s.base + 0x1000,
                              s.base + 0xFF0);
    EXPECT_EQ(bt.end(), "return address outside kernel text");
    EXPECT_EQ(bt.frames().size(), 1u);
  }
  {
    Stack s;
    auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, 0xDEAD0000, s.base + 0xFF0);
    EXPECT_EQ(bt.end(), "frame not mapped");
  }
  {
    Stack s;
    auto bt = Backtrace::walk(s.m.kernel(), textSymbols(), 0xC0800104, s.base + 0x1002,
                              s.base + 0xFF0);
    EXPECT_EQ(bt.end(), "misaligned frame pointer");
  }
  {
    // Frames hopping between stacks forever are cut off.
    CraftedMemory m;
    std::vector<uint32_t> stacks;
    for (int i = 0; i < 8; ++i) stacks.push_back(m.alloc(8192, 8192));
    for (int i = 0; i < 8; ++i) {
      m.put32(stacks[i] + 0x100, stacks[(i + 1) % 8] + 0x100);
      m.put32(stacks[i] + 0x104, 0xC0800210);
    }
    auto bt = Backtrace::walk(m.kernel(), textSymbols(), 0xC0800104, stacks[0] + 0x100,
                              stacks[0] + 0x80);
    EXPECT_EQ(bt.end(), "frame pointer leaves the stack");
    EXPECT_LE(bt.frames().size(), 5u);
  }
}

TEST(Backtrace, UserModeCpuHasNoKernelFrames) {
  Stack s;
  CpuState cpu{};
  cpu.eip = 0x08048123;
  cpu.seg[CS].selector = 0x73;
  cpu.gpr[EBP] = s.base + 0x1000;
  auto bt = Backtrace::fromCpu(s.m.kernel(), textSymbols(), cpu);
  ASSERT_EQ(bt.frames().size(), 1u);
  EXPECT_EQ(bt.end(), "user mode");
}

}  // namespace
}  // namespace tandem
