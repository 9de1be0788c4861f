// x87 class: loads and stores of every width (m32/m64/m80 reals, m16/m32/m64
// integers), arithmetic in register and memory forms with the P forms and the
// integer forms, comparisons (FCOM* FUCOM* FCOMI* FUCOMI* FTST FXAM FICOM*),
// FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1, the transcendental
// instructions, constants, FXCH FFREE FINCSTP FDECSTP, FCMOVcc, FLDCW with
// every rounding and precision control, FNSTSW FNSTCW FNSTENV/FLDENV
// FNSAVE/FRSTOR, on operands that include denormals, infinities, NaNs, signed
// zeros and extreme exponents. Exceptions stay masked.
#include <cstring>

#include "tests/diff/FloatValues.h"
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

// Effects on the condition codes, from each instruction's "FPU flags
// affected" section of the SDM.
constexpr Effect kRound{0, 0, 0, 0, fcc::C1, fcc::C0 | fcc::C2 | fcc::C3};
constexpr Effect kCompare{0, 0, 0, 0, fcc::kAll, 0};
constexpr Effect kComi{0, fl::kArith, 0, 0, fcc::C1, 0};
constexpr Effect kTrig{0, 0, 0, 0, fcc::C1 | fcc::C2, fcc::C0 | fcc::C3};
constexpr Effect kAllUndef{0, 0, 0, 0, 0, fcc::kAll};
constexpr Effect kReadsCc{0, 0, 0, fcc::kAll, 0, 0};

// The pointer fields of a stored x87 environment (FCS+FOP, FDP, FDS): the
// host leaves FCS/FDS zero and FDP stale, both allowed by the SDM.
constexpr uint32_t kEnvPointerOffset = 16;
constexpr uint32_t kEnvPointerBytes = 12;

std::string st(unsigned i) { return strf("st%u", i); }

// A memory operand of `bytes` bytes holding a freshly chosen value.
std::string floatMem(SeqBuilder& b, unsigned bytes, bool integer) {
  const MemRef m = b.mem(bytes);
  if (b.rng().chance(70)) {
    uint8_t v[10];
    if (integer) randomInteger(b.rng(), bytes, v);
    else randomFloat(b.rng(), bytes, v);
    b.storeBytes(m.offset, v, bytes);
  }
  return m.text;
}

void emitLoadStore(SeqBuilder& b) {
  Rng& r = b.rng();
  static const unsigned kReal[] = {4, 8, 10};
  static const unsigned kInt[] = {2, 4, 8};
  switch (r.below(8)) {
    case 0: b.insn("fld " + floatMem(b, r.pick(kReal), false), kRound); return;
    case 1: b.insn("fld " + st(r.below(8)), kRound); return;
    case 2: b.insn("fild " + floatMem(b, r.pick(kInt), true), kRound); return;
    case 3: {
      static const char* const kConst[] = {"fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2"};
      b.insn(r.pick(kConst), kRound);
      return;
    }
    case 4: {
      const unsigned n = r.below(3) == 0 ? 4 : 8;
      b.insn(strf("%s %s", r.chance(50) ? "fst" : "fstp", b.mem(n).text.c_str()), kRound);
      return;
    }
    case 5:
      if (r.chance(50)) b.insn("fstp " + b.mem(10).text, kRound);
      else b.insn(strf("%s %s", r.chance(50) ? "fst" : "fstp", st(r.below(8)).c_str()), kRound);
      return;
    case 6: {
      const unsigned n = r.pick(kInt);
      const bool pop = n == 8 || r.chance(50);
      b.insn(strf("%s %s", pop ? "fistp" : "fist", b.mem(n).text.c_str()), kRound);
      return;
    }
    default: {
      static const char* const kStack[] = {"fxch", "ffree", "fincstp", "fdecstp"};
      const unsigned k = r.below(4);
      const Effect e = k == 1 ? kAllUndef : kRound;
      b.insn(k < 2 ? strf("%s %s", kStack[k], st(r.below(8)).c_str()) : std::string(kStack[k]), e);
      return;
    }
  }
}

void emitArith(SeqBuilder& b) {
  Rng& r = b.rng();
  static const char* const kOps[] = {"fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"};
  const std::string op = r.pick(kOps);
  switch (r.below(5)) {
    case 0: b.insn(op + " " + floatMem(b, r.chance(50) ? 4 : 8, false), kRound); return;
    case 1: b.insn(strf("fi%s %s", op.c_str() + 1, floatMem(b, r.chance(50) ? 2 : 4, true).c_str()), kRound); return;
    case 2: b.insn(strf("%s st0, %s", op.c_str(), st(r.below(8)).c_str()), kRound); return;
    case 3: b.insn(strf("%s %s, st0", op.c_str(), st(r.below(8)).c_str()), kRound); return;
    default: b.insn(strf("%sp %s, st0", op.c_str(), st(r.below(8)).c_str()), kRound); return;
  }
}

void emitCompare(SeqBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(8)) {
    case 0: b.insn(strf("%s %s", r.chance(50) ? "fcom" : "fcomp", floatMem(b, r.chance(50) ? 4 : 8, false).c_str()), kCompare); return;
    case 1: b.insn(strf("%s %s", r.chance(50) ? "ficom" : "ficomp", floatMem(b, r.chance(50) ? 2 : 4, true).c_str()), kCompare); return;
    case 2: {
      static const char* const kOps[] = {"fcom", "fcomp", "fucom", "fucomp"};
      b.insn(strf("%s %s", r.pick(kOps), st(r.below(8)).c_str()), kCompare);
      return;
    }
    case 3: b.insn(r.chance(50) ? "fcompp" : "fucompp", kCompare); return;
    case 4: {
      static const char* const kOps[] = {"fcomi", "fcomip", "fucomi", "fucomip"};
      b.insn(strf("%s st0, %s", r.pick(kOps), st(r.below(8)).c_str()), kComi);
      return;
    }
    case 5: b.insn(r.chance(50) ? "ftst" : "fxam", kCompare); return;
    default: {
      static const char* const kCmov[] = {"fcmovb", "fcmove", "fcmovbe", "fcmovu",
                                          "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"};
      static const uint32_t kReads[] = {fl::CF, fl::ZF, fl::CF | fl::ZF, fl::PF};
      const unsigned k = r.below(8);
      if (r.chance(50)) emitRandomAluOnRegs(b);
      b.insn(strf("%s st0, %s", kCmov[k], st(r.below(8)).c_str()),
             {kReads[k & 3], 0, 0, 0, fcc::C1, fcc::C0 | fcc::C2 | fcc::C3});
      return;
    }
  }
}

void emitUnary(SeqBuilder& b) {
  Rng& r = b.rng();
  static const char* const kRounding[] = {"fchs",  "fabs",   "fsqrt", "frndint", "fscale", "fxtract",
                                          "fpatan", "f2xm1", "fyl2x", "fyl2xp1"};
  switch (r.below(4)) {
    case 0:
    case 1: b.insn(r.pick(kRounding), kRound); return;
    case 2: b.insn(r.chance(50) ? "fprem" : "fprem1", kCompare); return;
    default: {
      static const char* const kTrigOps[] = {"fsin", "fcos", "fsincos", "fptan"};
      b.insn(r.pick(kTrigOps), kTrig);
      return;
    }
  }
}

uint16_t randomControlWord(Rng& r) {
  static const uint16_t kPrecision[] = {0, 2, 3};
  return static_cast<uint16_t>(0x7F | r.pick(kPrecision) << 8 | r.below(4) << 10);
}

void emitControl(SeqBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(6)) {
    case 0: {
      const MemRef m = b.mem(2);
      const uint16_t cw = randomControlWord(r);
      b.storeBytes(m.offset, &cw, 2);
      b.insn("fldcw " + m.text, kAllUndef);
      return;
    }
    case 1: b.insn("fnstcw " + b.mem(2).text); return;
    case 2:
      if (b.reserved() & 1) return;
      b.insn(r.chance(50) ? "fnstsw ax" : "fnstsw " + b.mem(2).text, kReadsCc);
      return;
    case 3:
    case 4: {
      // FNSTENV/FLDENV or FNSAVE/FRSTOR around register-only work, so nothing
      // overwrites the stored image. The image's pointer fields are then
      // overwritten: the host leaves FCS/FDS zero and FDP stale (both allowed
      // by the SDM), and nothing later may read them.
      const bool save = r.chance(50);
      const unsigned size = save ? 108 : 28;
      const MemRef m = b.mem(size, {.keyword = false});
      if (save) {
        b.insn("fnsave " + m.text, {0, 0, 0, fcc::kAll, fcc::kAll, 0});
        b.maskLast(m.offset + kEnvPointerOffset, kEnvPointerBytes);
        b.insn("fld1", kRound);
      } else {
        b.insn("fnstenv " + m.text, kReadsCc);
        b.maskLast(m.offset + kEnvPointerOffset, kEnvPointerBytes);
      }
      static const char* const kOps[] = {"fadd", "fsub", "fmul", "fdiv"};
      b.insn(strf("%s st0, %s", r.pick(kOps), st(r.below(8)).c_str()), kRound);
      b.insn(strf("%s [0x%x]", save ? "frstor" : "fldenv", kScratchAddr + m.offset), kCompare);
      const uint8_t zeros[kEnvPointerBytes] = {};
      b.storeBytes(m.offset + kEnvPointerOffset, zeros, kEnvPointerBytes);
      return;
    }
    default:
      if (r.chance(50)) b.insn("fnclex", kAllUndef);
      else b.insn("fnop", kAllUndef);
      return;
  }
}

void emitAny(SeqBuilder& b) {
  const unsigned k = b.rng().below(20);
  if (k < 6) emitLoadStore(b);
  else if (k < 11) emitArith(b);
  else if (k < 14) emitCompare(b);
  else if (k < 18) emitUnary(b);
  else emitControl(b);
}

}  // namespace

void generateX87(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) emitAny(b);
}

void generateX87Fault(SeqBuilder& b, unsigned count) {
  Rng& r = b.rng();
  while (b.subjectCount() < count / 3) emitAny(b);
  // Unmask some exceptions: the first instruction that raises one leaves it
  // pending (ES), and the next waiting x87 instruction takes #MF (vector 16).
  const MemRef m = b.mem(2);
  const uint16_t cw = static_cast<uint16_t>((randomControlWord(r) & ~0x3F) | (0x3F & ~(1u << r.below(6)) & r.u32()));
  b.storeBytes(m.offset, &cw, 2);
  b.insn("fldcw " + m.text, kAllUndef);
  while (b.subjectCount() < count) {
    if (r.chance(50)) emitArith(b);
    else emitAny(b);
  }
  b.insn("fwait");
}

}  // namespace tandem::diff
