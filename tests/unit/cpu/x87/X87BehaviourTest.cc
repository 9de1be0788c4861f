// x87 behaviours the Intel SDM defines, checked on the FPU alone (no CPU):
// stack faults, masked and unmasked responses, status and tag words, the
// environment layouts, and the checks made before an instruction runs.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/cpu/x87/X87TestEnv.h"
#include "vmm/cpu/X87Image.h"

namespace tandem::test {
namespace {

constexpr F80 kOne{0x8000000000000000ull, 0x3FFF};
constexpr F80 kTwo{0x8000000000000000ull, 0x4000};

X87TestEnv freshFpu() {
  X87TestEnv env;
  x87Init(env.f);
  return env;
}

void push(X87TestEnv& env, F80 v) {
  setTop(env.f, env.f.top - 1);
  stSet(env.f, 0, v);
}

TEST(X87Behaviour, LoadIntoFullStackWithMaskedInvalidPushesIndefiniteWithC1Set) {
  X87TestEnv env = freshFpu();
  for (int i = 0; i < 8; ++i) push(env, kOne);
  ASSERT_EQ(runX87(env, 0xD9, 0xE8), -1);  // FLD1
  EXPECT_EQ(stGet(env.f, 0), kRealIndefinite);
  EXPECT_EQ(env.f.sw & (fsw::IE | fsw::SF | fsw::C1), fsw::IE | fsw::SF | fsw::C1);
  EXPECT_EQ(env.f.sw & fsw::ES, 0);
}

TEST(X87Behaviour, ArithmeticOnEmptyRegisterWithMaskedInvalidWritesIndefiniteWithC1Clear) {
  X87TestEnv env = freshFpu();
  push(env, kTwo);
  env.f.sw |= fsw::C1;
  ASSERT_EQ(runX87(env, 0xD8, 0xC1), -1);  // FADD ST0, ST1 (empty)
  EXPECT_EQ(stGet(env.f, 0), kRealIndefinite);
  EXPECT_EQ(env.f.sw & (fsw::IE | fsw::SF | fsw::C1), fsw::IE | fsw::SF);
}

TEST(X87Behaviour, UnmaskedStackUnderflowLeavesRegistersAndTopAndSetsEs) {
  X87TestEnv env = freshFpu();
  env.f.cw &= uint16_t(~fsw::IE);
  push(env, kTwo);
  const FpuState before = env.f;
  ASSERT_EQ(runX87(env, 0xDE, 0xC1), -1);  // FADDP ST1, ST0 with ST1 empty
  EXPECT_EQ(env.f.top, before.top);
  EXPECT_EQ(stGet(env.f, 0), kTwo);
  EXPECT_TRUE(stEmpty(env.f, 1));
  EXPECT_EQ(env.f.sw & (fsw::IE | fsw::SF | fsw::ES | fsw::B),
            fsw::IE | fsw::SF | fsw::ES | fsw::B);
}

TEST(X87Behaviour, PendingUnmaskedExceptionRaisesMfOnlyAtWaitingInstructions) {
  X87TestEnv env = freshFpu();
  env.f.cw &= uint16_t(~fsw::ZE);
  raiseFlags(env.f, fsw::ZE);
  ASSERT_NE(env.f.sw & fsw::ES, 0);
  EXPECT_EQ(runX87(env, 0xD9, 0xE8), kMF);  // FLD1
  EXPECT_EQ(env.f.top, 0u);                 // nothing happened
  EXPECT_EQ(runX87(env, 0xDF, 0xE0), -1);   // FNSTSW AX
  EXPECT_EQ(env.ax, env.f.sw);
  EXPECT_EQ(runX87(env, 0xDB, 0xE2), -1);  // FNCLEX
  EXPECT_EQ(env.f.sw & (fsw::ZE | fsw::ES | fsw::B), 0);
  EXPECT_EQ(runX87(env, 0xD9, 0xE8), -1);
}

TEST(X87Behaviour, EmulationFlagRaisesNmBeforeInvalidOpcode) {
  X87TestEnv env = freshFpu();
  env.cr0v |= cr0::EM;
  EXPECT_EQ(runX87(env, 0xD9, 0xD1), kNM);  // reserved encoding
  EXPECT_EQ(runX87(env, 0xDB, 0xE3), kNM);  // FNINIT
  env.cr0v &= ~cr0::EM;
  EXPECT_EQ(runX87(env, 0xD9, 0xD1), kUD);
}

TEST(X87Behaviour, UnmaskingARaisedExceptionWithFldcwMakesItPending) {
  X87TestEnv env = freshFpu();
  raiseFlags(env.f, fsw::PE);
  EXPECT_EQ(env.f.sw & fsw::ES, 0);
  const uint16_t cw = 0x035F;  // PE unmasked
  std::memcpy(env.mem, &cw, 2);
  ASSERT_EQ(runX87(env, 0xD9, 0x29), -1);  // FLDCW
  EXPECT_EQ(env.f.sw & (fsw::ES | fsw::B), fsw::ES | fsw::B);
}

TEST(X87Behaviour, ControlWordKeepsBit6SetAndReservedBitsClear) {
  X87TestEnv env = freshFpu();
  const uint16_t cw = 0xFFFF;
  std::memcpy(env.mem, &cw, 2);
  ASSERT_EQ(runX87(env, 0xD9, 0x29), -1);  // FLDCW
  ASSERT_EQ(runX87(env, 0xD9, 0x39), -1);  // FNSTCW
  uint16_t stored;
  std::memcpy(&stored, env.mem, 2);
  EXPECT_EQ(stored, 0x1F7F);
}

TEST(X87Behaviour, ControlInstructionsLeaveInstructionPointerOfLastArithmetic) {
  X87TestEnv env = freshFpu();
  env.insn_offset = 0x1234;
  ASSERT_EQ(runX87(env, 0xD9, 0xE8), -1);  // FLD1 records 0x1234
  env.insn_offset = 0x5678;
  ASSERT_EQ(runX87(env, 0xD9, 0x39), -1);  // FNSTCW does not
  EXPECT_EQ(env.f.fip, 0x1234u);
  EXPECT_EQ(env.f.fop, 0x1E8);
}

TEST(X87Behaviour, StoreWithUnmaskedOverflowWritesNothingAndDoesNotPop) {
  X87TestEnv env = freshFpu();
  env.f.cw &= uint16_t(~fsw::OE);
  push(env, F80{0x8000000000000000ull, 0x7000});  // far beyond float range
  std::memset(env.mem, 0xCC, 8);
  ASSERT_EQ(runX87(env, 0xD9, 0x19), -1);  // FSTP m32fp
  EXPECT_EQ(env.mem[0], 0xCC);
  EXPECT_EQ(env.f.top, 7u);
  EXPECT_EQ(env.f.sw & (fsw::OE | fsw::ES), fsw::OE | fsw::ES);
}

TEST(X87Behaviour, TagWordTellsZeroSpecialAndValidFromContents) {
  X87TestEnv env = freshFpu();
  push(env, F80{0, 0});                           // zero
  push(env, F80{0x8000000000000000ull, 0x7FFF});  // infinity: special
  push(env, kOne);                                // valid
  EXPECT_EQ(x87FullTagWord(env.f), 0x63FF);       // phys 5 valid, 6 special, 7 zero
}

TEST(X87Behaviour, EnvironmentLayoutsRoundTripInEveryMode) {
  FpuState f{};
  x87Init(f);
  f.cw = 0x027F;
  f.sw = 0x4123;
  setTop(f, 3);
  f.tw = 0x0FFF;
  f.fip = 0x5678;
  f.fcs = 0x1234;
  f.fop = 0x5EF;
  f.fdp = 0x9ABC;
  f.fds = 0x2345;
  for (bool op16 : {false, true}) {
    for (bool real : {false, true}) {
      const X87Layout layout{op16, real};
      uint8_t image[kMaxSaveSize];
      x87StoreState(f, layout, image);
      FpuState g{};
      x87LoadState(g, layout, image);
      uint8_t again[kMaxSaveSize];
      x87StoreState(g, layout, again);
      EXPECT_EQ(std::memcmp(image, again, layout.saveSize()), 0)
          << "op16 " << op16 << " real " << real;
      EXPECT_EQ(g.cw, f.cw);
      EXPECT_EQ(g.sw & ~(fsw::ES | fsw::B), f.sw & ~(fsw::ES | fsw::B));
      EXPECT_EQ(g.top, 3u);
      if (!(op16 && !real)) EXPECT_EQ(g.fop, f.fop);  // the 16-bit protected layout has none
      if (!real) {
        EXPECT_EQ(g.fip, f.fip);
        EXPECT_EQ(g.fcs, f.fcs);
        EXPECT_EQ(g.fdp, f.fdp);
        EXPECT_EQ(g.fds, f.fds);
      } else {
        EXPECT_EQ(g.fip, (0x1234u << 4) + 0x5678);  // real mode keeps linear addresses
        EXPECT_EQ(g.fdp, (0x2345u << 4) + 0x9ABC);
      }
    }
  }
}

TEST(X87Behaviour, RealMode16BitEnvironmentPacksTheHighAddressBitsWithTheOpcode) {
  FpuState f{};
  x87Init(f);
  f.fcs = 0xF000;
  f.fip = 0x1234;  // linear 0xF1234
  f.fop = 0x1D9;
  uint8_t image[kMaxSaveSize];
  x87StoreEnv(f, X87Layout{true, true}, image);
  uint16_t w[7];
  std::memcpy(w, image, 14);
  EXPECT_EQ(w[3], 0x1234);
  EXPECT_EQ(w[4], 0xF000 | 0x1D9);
}

}  // namespace
}  // namespace tandem::test
