// Multiply/divide class: MUL and IMUL in all forms, DIV and IDIV with
// operands chosen so that they do not fault; and the separate fault class,
// whose last instruction raises #DE (division by zero, quotient overflow,
// AAM 0) after a few non-faulting ones.
#include <cstdlib>

#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

uint32_t maskOf(unsigned w) { return w == 32 ? 0xFFFFFFFFu : (1u << w) - 1; }

int64_t signExtend(uint64_t v, unsigned bits) {
  return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
}

void emitMul(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned w = pickWidth(r);
  const unsigned k = r.below(5);
  if (k < 2 || w == 8) {  // one-operand MUL/IMUL: EDX:EAX (or AX) = EAX * r/m
    const char* name = r.chance(50) ? "mul" : "imul";
    if (b.reserved() & ((1u << EAX) | (1u << EDX))) return;
    if (r.chance(30)) b.setReg(w, EAX, r.interesting(w));
    const std::string src = r.chance(50) ? b.mem(w / 8).text : SeqBuilder::regName(w, r.below(8));
    b.insn(strf("%s %s", name, src.c_str()), fx::kMul);
    return;
  }
  const unsigned d = b.pickReg(w);
  const std::string dst = SeqBuilder::regName(w, d);
  const std::string src = r.chance(50) ? b.mem(w / 8).text : SeqBuilder::regName(w, r.below(8));
  if (k == 2) {
    b.insn(strf("imul %s, %s", dst.c_str(), src.c_str()), fx::kMul);
  } else if (k == 3) {
    b.insn(strf("imul %s, %s, byte %d", dst.c_str(), src.c_str(), r.range(-128, 127)), fx::kMul);
  } else {
    b.insn(strf("imul %s, %s, strict %s %s", dst.c_str(), src.c_str(), SeqBuilder::sizeKeyword(w / 8),
                immText(r.interesting(w), w).c_str()), fx::kMul);
  }
}

// Dividend (high, low halves) and divisor for a division of width `w`.
struct Division {
  uint32_t hi, lo, divisor;
};

Division pickDivision(Rng& r, unsigned w, bool is_signed) {
  const uint32_t m = maskOf(w);
  if (!is_signed) {
    uint32_t d = r.interesting(w);
    if (d == 0) d = 1 + r.below(m);
    return {r.u32() % d, r.interesting(w), d};
  }
  int64_t d = signExtend(r.interesting(w), w);
  if (d == 0) d = r.chance(50) ? 1 : -1;
  const int64_t q = signExtend(r.interesting(w), w);
  const int64_t p = q * d;
  int64_t rem = static_cast<int64_t>(r.next() % static_cast<uint64_t>(std::llabs(d)));
  if (p < 0 || (p == 0 && r.chance(50))) rem = -rem;
  const int64_t dividend = p + rem;
  return {static_cast<uint32_t>(dividend >> w) & m, static_cast<uint32_t>(dividend) & m,
          static_cast<uint32_t>(d) & m};
}

// Loads dividend and divisor and returns the divisor operand text.
std::string loadDivision(SeqBuilder& b, unsigned w, const Division& v) {
  Rng& r = b.rng();
  const uint32_t implicit = w == 8 ? (1u << EAX) : ((1u << EAX) | (1u << EDX));
  std::string src;
  if (r.chance(50)) {
    const MemRef m = b.mem(w / 8, {.avoid = implicit});
    b.storeBytes(m.offset, &v.divisor, w / 8);
    src = m.text;
  } else {
    const unsigned d = b.pickReg(w, implicit);
    b.setReg(w, d, v.divisor);
    src = SeqBuilder::regName(w, d);
  }
  if (w == 8) {
    b.setReg(16, EAX, (v.hi << 8) | v.lo);
  } else {
    b.setReg(w, EDX, v.hi);
    b.setReg(w, EAX, v.lo);
  }
  return src;
}

bool implicitFree(SeqBuilder& b) { return !(b.reserved() & ((1u << EAX) | (1u << EDX))); }

void emitDiv(SeqBuilder& b) {
  if (!implicitFree(b)) return;
  Rng& r = b.rng();
  const unsigned w = pickWidth(r);
  const bool is_signed = r.chance(50);
  const std::string src = loadDivision(b, w, pickDivision(r, w, is_signed));
  b.insn(strf("%s %s", is_signed ? "idiv" : "div", src.c_str()), fx::kDiv);
}

void emitFaultingDiv(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned w = pickWidth(r);
  const uint32_t m = maskOf(w);
  const unsigned kind = r.below(4);
  // Kinds 2 and 3 overflow only as signed, kind 1 only as unsigned.
  const bool is_signed = kind == 0 ? r.chance(50) : kind >= 2;
  Division v{};
  switch (kind) {
    case 0:  // by zero
      v = {r.interesting(w), r.interesting(w), 0};
      break;
    case 1:  // unsigned quotient overflow: high half >= divisor
      v.divisor = r.interesting(w) | 1;
      v.hi = v.divisor + r.below(m - v.divisor + 1);
      v.lo = r.interesting(w);
      break;
    case 2:  // most negative dividend by -1
      v = {(m >> 1) + 1, 0, m};
      break;
    default: {  // signed quotient just out of range
      int64_t d = signExtend(r.interesting(w), w);
      if (d == 0) d = 3;
      const int64_t q = (int64_t{1} << (w - 1)) + r.below(4);
      const int64_t dividend = (r.chance(50) ? q : -q - 1) * d;
      v = {static_cast<uint32_t>(dividend >> w) & m, static_cast<uint32_t>(dividend) & m,
           static_cast<uint32_t>(d) & m};
      break;
    }
  }
  const std::string src = loadDivision(b, w, v);
  b.faultingInsn(strf("%s %s", is_signed ? "idiv" : "div", src.c_str()));
}

}  // namespace

void generateMulDiv(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) {
    const unsigned k = b.rng().below(10);
    if (k < 5) emitMul(b);
    else if (k < 9) emitDiv(b);
    else emitRandomAluOnRegs(b);
  }
}

void generateDivFault(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() + 1 < count) {
    if (b.rng().chance(50)) emitDiv(b);
    else emitMul(b);
  }
  if (b.rng().chance(20)) {
    b.setReg(8, EAX, b.rng().u32());
    b.faultingInsn("aam 0", "aam 0 (D4 00)");
  } else {
    emitFaultingDiv(b);
  }
}

}  // namespace tandem::diff
