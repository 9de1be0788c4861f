// Bit class: BT BTS BTR BTC with register and immediate bit offsets on
// registers and memory (register offsets reach outside the addressed operand,
// both below and above it, as the SDM allows for memory forms), LOCK on the
// writing memory forms, BSF/BSR including a zero source, and BSWAP.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

const char* const kBitOps[] = {"bt", "bts", "btr", "btc"};
// ZF keeps its value; CF receives the bit; the rest are undefined.
const Effect kBitTest{0, fl::CF, fl::OF | fl::SF | fl::AF | fl::PF};
const Effect kBitScan{0, fl::ZF, fl::CF | fl::OF | fl::SF | fl::AF | fl::PF};

void emitBitTest(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned op = r.below(4);
  const unsigned w = r.chance(50) ? 16 : 32;
  const unsigned bytes = w / 8;
  const std::string lock = op != 0 && r.chance(30) ? "lock " : "";
  switch (r.below(4)) {
    case 0: {  // register, register: offset modulo the width
      const unsigned d = b.pickReg(w);
      b.insn(strf("%s %s, %s", kBitOps[op], SeqBuilder::regName(w, d).c_str(),
                  SeqBuilder::regName(w, r.below(8)).c_str()), kBitTest);
      return;
    }
    case 1: {  // register, imm8
      const unsigned d = b.pickReg(w);
      b.insn(strf("%s %s, %u", kBitOps[op], SeqBuilder::regName(w, d).c_str(), r.below(256)), kBitTest);
      return;
    }
    case 2: {  // memory, imm8: offset modulo the width, no displacement
      const MemRef m = b.mem(bytes, {.aligned = !lock.empty()});
      b.insn(strf("%s%s %s, %u", lock.c_str(), kBitOps[op], m.text.c_str(), r.below(256)), kBitTest);
      return;
    }
    default: {  // memory, register: the offset selects any unit of the scratch area
      uint32_t ea = b.pickOffset(bytes, 0, kScratchSize);
      if (!lock.empty()) ea &= ~(bytes - 1);
      const int32_t lo = -static_cast<int32_t>(ea / bytes);
      const int32_t hi = static_cast<int32_t>((kScratchSize - bytes - ea) / bytes);
      const int32_t unit = r.chance(30) ? r.range(-1, 1) : r.range(lo, hi);
      const int32_t clamped = unit < lo ? lo : (unit > hi ? hi : unit);
      const MemRef m = b.memAt(bytes, ea);
      const unsigned o = b.pickReg(w, m.regs);
      b.setReg(w, o, static_cast<uint32_t>(clamped * static_cast<int32_t>(w) + r.below(w)));
      b.insn(strf("%s%s %s, %s", lock.c_str(), kBitOps[op], m.text.c_str(),
                  SeqBuilder::regName(w, o).c_str()), kBitTest);
      return;
    }
  }
}

void emitBitScan(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned w = r.chance(50) ? 16 : 32;
  const char* name = r.chance(50) ? "bsf" : "bsr";
  const uint32_t value = r.chance(25) ? 0 : r.interesting(w);
  std::string src;
  uint32_t src_regs = 0;
  if (r.chance(50)) {
    const MemRef m = b.mem(w / 8);
    b.storeBytes(m.offset, &value, w / 8);
    src = m.text;
    src_regs = m.regs;
  } else {
    const unsigned s = b.pickReg(w);
    b.setReg(w, s, value);
    src = SeqBuilder::regName(w, s);
    src_regs = 1u << s;
  }
  const unsigned d = r.chance(20) ? b.pickReg(w) : b.pickReg(w, src_regs);
  b.insn(strf("%s %s, %s", name, SeqBuilder::regName(w, d).c_str(), src.c_str()), kBitScan);
}

}  // namespace

void generateBit(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) {
    const unsigned k = b.rng().below(10);
    if (k < 6) {
      emitBitTest(b);
    } else if (k < 9) {
      emitBitScan(b);
    } else {
      b.insn(strf("bswap %s", SeqBuilder::regName(32, b.pickReg(32)).c_str()));
    }
  }
}

}  // namespace tandem::diff
