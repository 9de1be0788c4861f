// Shift and rotate class: ROL ROR RCL RCR SHL SAL SHR SAR by 1, by CL and by
// imm8 (counts 0, 1, the width, beyond it and beyond 31), on registers and
// memory, and SHLD/SHRD by imm8 and CL. The flags the SDM leaves undefined
// depend on the masked count, which the generator always knows.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

enum Kind { kRol, kRor, kRcl, kRcr, kShl, kShr, kSal, kSar };
const char* const kNames[] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};

unsigned pickCount(Rng& r, unsigned width) {
  switch (r.below(7)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return r.below(width);
    case 3: return width + r.below(3) - 1;
    case 4: return 31 + r.below(3);
    case 5: return r.below(32);
    default: return r.below(256);
  }
}

Effect shiftEffect(Kind k, unsigned width, unsigned count) {
  const unsigned mc = count & 31;
  Effect e;
  if (k == kRcl || k == kRcr) e.reads = fl::CF;
  if (mc == 0) return e;
  const uint32_t of = mc == 1 ? fl::OF : 0;
  e.defines = fl::CF | of;
  e.undefs = fl::OF & ~of;
  if (k >= kShl) {
    e.defines |= fl::SF | fl::ZF | fl::PF;
    e.undefs |= fl::AF;
    if ((k == kShl || k == kShr || k == kSal) && mc >= width) {
      e.defines &= ~fl::CF;
      e.undefs |= fl::CF;
    }
  }
  return e;
}

void emitShift(SeqBuilder& b) {
  Rng& r = b.rng();
  const Kind k = static_cast<Kind>(r.below(8));
  const unsigned w = pickWidth(r);
  const unsigned form = r.below(3);  // 1, CL, imm8
  const unsigned count = form == 0 ? 1 : pickCount(r, w);
  std::string dst;
  if (r.chance(50)) {
    dst = b.mem(w / 8, {.avoid = 1u << ECX}).text;
  } else {
    dst = SeqBuilder::regName(w, b.pickReg(w));
  }
  std::string src;
  if (form == 1) {
    b.setReg(8, ECX, count);
    src = "cl";
  } else {
    src = strf("%u", count);
  }
  b.insn(strf("%s %s, %s", kNames[k], dst.c_str(), src.c_str()), shiftEffect(k, w, count));
}

void emitDouble(SeqBuilder& b) {
  Rng& r = b.rng();
  const bool left = r.chance(50);
  const unsigned w = r.chance(50) ? 16 : 32;
  unsigned count = pickCount(r, w);
  // Counts above the operand size leave result and flags undefined.
  if (w == 16 && (count & 31) > 16) count &= 15;
  const bool by_cl = r.chance(50);
  std::string dst;
  if (r.chance(50)) {
    dst = b.mem(w / 8, {.avoid = 1u << ECX}).text;
  } else {
    dst = SeqBuilder::regName(w, b.pickReg(w));
  }
  const std::string src = SeqBuilder::regName(w, r.below(8));
  if (by_cl) b.setReg(8, ECX, count);
  Effect e;
  const unsigned mc = count & 31;
  if (mc) {
    e.defines = fl::CF | fl::SF | fl::ZF | fl::PF | (mc == 1 ? fl::OF : 0);
    e.undefs = fl::AF | (mc == 1 ? 0 : fl::OF);
  }
  b.insn(strf("%s %s, %s, %s", left ? "shld" : "shrd", dst.c_str(), src.c_str(),
              by_cl ? "cl" : strf("%u", count).c_str()), e);
}

}  // namespace

void generateShift(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) {
    const unsigned k = b.rng().below(10);
    if (k < 6) emitShift(b);
    else if (k < 9) emitDouble(b);
    else emitRandomAluOnRegs(b);
  }
}

}  // namespace tandem::diff
