// String class: MOVS STOS LODS CMPS SCAS of bytes, words and dwords, alone
// and with REP/REPE/REPNE, in both directions, with counts including 0, with
// 32- and 16-bit address size (67 prefix, SI/DI/CX) and segment overrides on
// the source. Every access stays inside the scratch area.
#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

enum Op { kMovs, kStos, kLods, kCmps, kScas };
const char* const kOpNames[] = {"movs", "stos", "lods", "cmps", "scas"};
const char kSizeSuffix[] = {'b', 'w', 'd'};

struct StringPlan {
  Op op;
  unsigned size;   // 1, 2, 4
  unsigned count;  // iterations (1 without a REP prefix)
  bool rep;
  bool backward;
  bool addr16;
};

// A start offset for `n` elements of `size` bytes walking in the plan's
// direction, anywhere in the scratch area.
uint32_t pickStart(Rng& r, const StringPlan& p) {
  const uint32_t span = (p.count ? p.count : 1) * p.size;
  const uint32_t first = r.below(kScratchSize - span + 1);
  return p.backward ? first + span - p.size : first;
}

void emitString(SeqBuilder& b, const StringPlan& p, uint32_t src, uint32_t dst) {
  Rng& r = b.rng();
  const unsigned aw = p.addr16 ? 16 : 32;
  const bool reads_src = p.op == kMovs || p.op == kLods || p.op == kCmps;
  const bool uses_dst = p.op != kLods;
  b.insn(p.backward ? "std" : "cld");
  if (reads_src) b.setReg(aw, ESI, kScratchAddr + src);
  if (uses_dst) b.setReg(aw, EDI, kScratchAddr + dst);
  if (p.rep) b.setReg(aw, ECX, p.count);
  if ((p.op == kScas || p.op == kStos) && r.chance(50)) {
    b.setReg(p.size * 8, EAX, r.u32());
  } else if (p.op == kScas) {  // a value that occurs somewhere in the scanned range
    const uint32_t at = dst + (p.backward ? -1 : 1) * static_cast<int32_t>(r.below(p.count + 1) * p.size);
    if (at + p.size <= kScratchSize)
      b.setup(strf("mov %s, [0x%x]", SeqBuilder::regName(p.size * 8, EAX).c_str(), kScratchAddr + at));
  }
  std::string prefix;
  const bool compares = p.op == kCmps || p.op == kScas;
  if (p.rep) prefix = compares ? (r.chance(50) ? "repe " : "repne ") : "rep ";
  if (p.addr16) prefix += "a16 ";
  if (reads_src && r.chance(25)) prefix += r.pick({std::string("es "), std::string("ss "), std::string("ds ")});
  Effect e;
  if (compares && p.count) e = fx::kArith;
  b.insn(strf("%s%s%c", prefix.c_str(), kOpNames[p.op], kSizeSuffix[p.size == 4 ? 2 : p.size - 1]), e);
}

StringPlan randomPlan(Rng& r) {
  StringPlan p;
  p.op = static_cast<Op>(r.below(5));
  static const unsigned kSizes[] = {1, 2, 4};
  p.size = r.pick(kSizes);
  p.rep = r.chance(70);
  p.count = !p.rep ? 1 : (r.chance(15) ? 0 : (r.chance(20) ? 1 : r.below(40)));
  p.backward = r.chance(40);
  p.addr16 = r.chance(25);
  return p;
}

}  // namespace

void generateString(SeqBuilder& b, unsigned count) {
  if (b.reserved() & ~(1u << ESP)) return;
  while (b.subjectCount() < count) {
    const StringPlan p = randomPlan(b.rng());
    const uint32_t src = pickStart(b.rng(), p);
    const uint32_t dst = pickStart(b.rng(), p);
    if (p.op == kCmps && p.rep && p.count && b.rng().chance(40)) {
      // Copy first so that REPE CMPS runs through matching data.
      StringPlan copy = p;
      copy.op = kMovs;
      emitString(b, copy, src, dst);
    }
    emitString(b, p, src, dst);
  }
}

}  // namespace tandem::diff
