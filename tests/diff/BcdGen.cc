// BCD class: DAA DAS AAA AAS AAM AAD (with base 10 and other bases), fed by
// additions and subtractions of packed and unpacked BCD (and non-BCD) values
// so that AF and CF arrive in every combination.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

uint32_t bcdByte(Rng& r) {
  if (r.chance(25)) return r.below(256);
  return r.below(10) << 4 | r.below(10);
}

void emitFeed(SeqBuilder& b) {
  Rng& r = b.rng();
  static const char* const kOps[] = {"add", "adc", "sub", "sbb"};
  const char* op = r.pick(kOps);
  const Effect e = (op[1] == 'd' && op[2] == 'c') || op[1] == 'b' ? fx::kCarryIn : fx::kArith;
  if (r.chance(40)) b.setReg(8, EAX, bcdByte(r));
  if (r.chance(50)) {
    b.insn(strf("%s al, 0x%x", op, bcdByte(r)), e);
  } else {
    const unsigned s = b.pickReg(8, 1u << EAX);
    b.setReg(8, s, bcdByte(r));
    b.insn(strf("%s al, %s", op, SeqBuilder::regName(8, s).c_str()), e);
  }
}

void emitAdjust(SeqBuilder& b) {
  Rng& r = b.rng();
  const Effect kDecimal{fl::AF | fl::CF, fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF, fl::OF};
  const Effect kAscii{fl::AF, fl::AF | fl::CF, fl::OF | fl::SF | fl::ZF | fl::PF};
  const Effect kMulDiv{0, fl::SF | fl::ZF | fl::PF, fl::OF | fl::AF | fl::CF};
  if (r.chance(30)) b.setReg(16, EAX, r.chance(50) ? r.u32() : (bcdByte(r) << 8 | bcdByte(r)));
  switch (r.below(6)) {
    case 0: b.insn("daa", kDecimal); return;
    case 1: b.insn("das", kDecimal); return;
    case 2: b.insn("aaa", kAscii); return;
    case 3: b.insn("aas", kAscii); return;
    case 4: {
      const unsigned base = r.chance(60) ? 10 : 1 + r.below(255);
      b.insn(strf("aam %u", base), kMulDiv);
      return;
    }
    default: {
      const unsigned base = r.chance(60) ? 10 : r.below(256);
      b.insn(strf("aad %u", base), kMulDiv);
      return;
    }
  }
}

}  // namespace

void generateBcd(SeqBuilder& b, unsigned count) {
  if (b.reserved() & 1) return;
  while (b.subjectCount() < count) {
    if (b.rng().chance(45)) emitFeed(b);
    else emitAdjust(b);
  }
}

}  // namespace tandem::diff
