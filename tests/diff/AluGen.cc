// ALU class: ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT in every
// operand form (register, memory, immediate, sign-extended imm8, the short
// accumulator forms and the redundant encodings 82 and FF /0 /1 on registers),
// 8/16/32 bits, with LOCK on the memory-destination forms.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

struct BinOp {
  const char* name;
  Effect fx;
  unsigned ext;  // ModRM.reg of the 80-83 group
};
const BinOp kBinOps[] = {{"add", fx::kArith, 0}, {"or", fx::kLogic, 1},    {"adc", fx::kCarryIn, 2},
                         {"sbb", fx::kCarryIn, 3}, {"and", fx::kLogic, 4}, {"sub", fx::kArith, 5},
                         {"xor", fx::kLogic, 6},  {"cmp", fx::kArith, 7}};

std::string lockPrefix(SeqBuilder& b, bool allowed) {
  return allowed && b.rng().chance(30) ? "lock " : "";
}

void emitBinary(SeqBuilder& b) {
  Rng& r = b.rng();
  const BinOp& op = r.pick(kBinOps);
  const unsigned w = pickWidth(r);
  const bool writes = std::string(op.name) != "cmp";
  const std::string n = op.name;
  switch (r.below(8)) {
    case 0: {
      const unsigned d = b.pickReg(w);
      b.insn(strf("%s %s, %s", op.name, SeqBuilder::regName(w, d).c_str(),
                  SeqBuilder::regName(w, r.below(8)).c_str()), op.fx);
      return;
    }
    case 1: {
      const std::string lock = lockPrefix(b, writes);
      const MemRef m = b.mem(w / 8, {.keyword = false, .aligned = !lock.empty()});
      b.insn(strf("%s%s %s %s, %s", lock.c_str(), op.name, SeqBuilder::sizeKeyword(w / 8),
                  m.text.c_str(), SeqBuilder::regName(w, r.below(8)).c_str()), op.fx);
      return;
    }
    case 2: {
      const MemRef m = b.mem(w / 8);
      const unsigned d = b.pickReg(w);
      b.insn(strf("%s %s, %s", op.name, SeqBuilder::regName(w, d).c_str(), m.text.c_str()), op.fx);
      return;
    }
    case 3: {
      const unsigned d = b.pickReg(w);
      b.insn(strf("%s %s, %s", op.name, SeqBuilder::regName(w, d).c_str(),
                  immText(r.interesting(w), w).c_str()), op.fx);
      return;
    }
    case 4: {
      const std::string lock = lockPrefix(b, writes);
      const MemRef m = b.mem(w / 8, {.aligned = !lock.empty()});
      b.insn(strf("%s%s %s, %s", lock.c_str(), op.name, m.text.c_str(),
                  immText(r.interesting(w), w).c_str()), op.fx);
      return;
    }
    case 5: {  // 83 /n ib: imm8 sign-extended to 16 or 32 bits
      const unsigned w2 = r.chance(50) ? 16 : 32;
      const int imm = r.range(-128, 127);
      std::string dst;
      std::string lock;
      if (r.chance(50)) {
        dst = SeqBuilder::regName(w2, b.pickReg(w2));
      } else {
        lock = lockPrefix(b, writes);
        dst = b.mem(w2 / 8, {.aligned = !lock.empty()}).text;
      }
      b.insn(strf("%s%s %s, byte %d", lock.c_str(), op.name, dst.c_str(), imm), op.fx);
      return;
    }
    case 6: {  // accumulator short forms 04/05 ...
      if (b.reserved() & 1) return;
      b.insn(strf("%s %s, strict %s %s", op.name, SeqBuilder::regName(w, EAX).c_str(),
                  SeqBuilder::sizeKeyword(w / 8), immText(r.interesting(w), w).c_str()), op.fx);
      return;
    }
    default: {  // 82 /n ib: the 8-bit alias of 80 /n
      const unsigned d = b.pickReg(8);
      const unsigned imm = r.interesting(8);
      b.insn(strf("db 0x82, 0x%x, 0x%x", 0xC0 | (op.ext << 3) | d, imm), op.fx,
             strf("%s %s, 0x%x (82 /%u)", op.name, SeqBuilder::regName(8, d).c_str(), imm, op.ext));
      return;
    }
  }
}

void emitTest(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned w = pickWidth(r);
  const std::string imm = immText(r.interesting(w), w);
  switch (r.below(5)) {
    case 0:
      b.insn(strf("test %s, %s", SeqBuilder::regName(w, r.below(8)).c_str(),
                  SeqBuilder::regName(w, r.below(8)).c_str()), fx::kLogic);
      return;
    case 1:
      b.insn(strf("test %s, %s", b.mem(w / 8).text.c_str(), SeqBuilder::regName(w, r.below(8)).c_str()),
             fx::kLogic);
      return;
    case 2:
      b.insn(strf("test %s, %s", SeqBuilder::regName(w, r.below(8)).c_str(), imm.c_str()), fx::kLogic);
      return;
    case 3:
      b.insn(strf("test %s, %s", b.mem(w / 8).text.c_str(), imm.c_str()), fx::kLogic);
      return;
    default:
      b.insn(strf("test %s, strict %s %s", SeqBuilder::regName(w, EAX).c_str(),
                  SeqBuilder::sizeKeyword(w / 8), imm.c_str()), fx::kLogic);
      return;
  }
}

void emitUnary(SeqBuilder& b) {
  Rng& r = b.rng();
  static const char* const kOps[] = {"inc", "dec", "neg", "not"};
  const unsigned k = r.below(4);
  const Effect e = k < 2 ? fx::kIncDec : (k == 2 ? fx::kArith : fx::kNone);
  const unsigned w = pickWidth(r);
  if (r.chance(50)) {
    const unsigned d = b.pickReg(w);
    if (k < 2 && w != 8 && r.chance(30)) {  // FF /0, FF /1 on a register (not the 40+r form)
      b.insn(strf("db %s0xff, 0x%x", w == 16 ? "0x66, " : "", 0xC0 | (k << 3) | d), e,
             strf("%s %s (FF /%u)", kOps[k], SeqBuilder::regName(w, d).c_str(), k));
      return;
    }
    b.insn(strf("%s %s", kOps[k], SeqBuilder::regName(w, d).c_str()), e);
  } else {
    const std::string lock = lockPrefix(b, true);
    const MemRef m = b.mem(w / 8, {.aligned = !lock.empty()});
    b.insn(strf("%s%s %s", lock.c_str(), kOps[k], m.text.c_str()), e);
  }
}

}  // namespace

unsigned pickWidth(Rng& r) {
  static const unsigned kWidths[] = {8, 16, 32, 32};
  return r.pick(kWidths);
}

std::string immText(uint32_t v, unsigned width) {
  if (width == 8) v &= 0xFF;
  if (width == 16) v &= 0xFFFF;
  return strf("0x%x", v);
}

void emitRandomAluOnRegs(SeqBuilder& b) {
  Rng& r = b.rng();
  const BinOp& op = r.pick(kBinOps);
  const unsigned w = pickWidth(r);
  const unsigned d = b.pickReg(w);
  if (r.chance(50))
    b.insn(strf("%s %s, %s", op.name, SeqBuilder::regName(w, d).c_str(),
                SeqBuilder::regName(w, r.below(8)).c_str()), op.fx);
  else
    b.insn(strf("%s %s, %s", op.name, SeqBuilder::regName(w, d).c_str(),
                immText(r.interesting(w), w).c_str()), op.fx);
}

void generateAlu(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) {
    const unsigned k = b.rng().below(10);
    if (k < 6) emitBinary(b);
    else if (k < 8) emitUnary(b);
    else emitTest(b);
  }
}

}  // namespace tandem::diff
