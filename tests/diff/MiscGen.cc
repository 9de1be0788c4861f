// Miscellaneous class: XCHG XADD CMPXCHG CMPXCHG8B (with LOCK, equal and
// unequal comparands), LEA in every 32- and 16-bit addressing form, MOV forms
// including moffs, MOVZX/MOVSX, CBW CWDE CWD CDQ, XLAT, LAHF/SAHF, CMC CLC STC
// CLD STD, non-faulting BOUND, and the recommended multi-byte NOPs.
#include <cstring>

#include "tests/diff/Generators.h"
#include "tests/diff/Strf.h"

namespace tandem::diff {
namespace {

std::string lockIf(SeqBuilder& b, bool mem) { return mem && b.rng().chance(40) ? "lock " : ""; }

void emitExchange(SeqBuilder& b) {
  Rng& r = b.rng();
  const unsigned w = pickWidth(r);
  const bool mem = r.chance(50);
  switch (r.below(4)) {
    case 0: {  // XCHG
      const unsigned s = b.pickReg(w);
      // XCHG with memory is locked even without the prefix.
      const std::string dst = mem ? b.mem(w / 8, {.avoid = 1u << (w == 8 ? s & 3 : s), .aligned = true}).text
                                  : SeqBuilder::regName(w, b.pickReg(w));
      b.insn(strf("%sxchg %s, %s", lockIf(b, mem).c_str(), dst.c_str(), SeqBuilder::regName(w, s).c_str()));
      return;
    }
    case 1: {  // XADD
      const unsigned s = b.pickReg(w);
      const std::string lock = lockIf(b, mem);
      const std::string dst = mem ? b.mem(w / 8, {.aligned = !lock.empty()}).text : SeqBuilder::regName(w, b.pickReg(w));
      b.insn(strf("%sxadd %s, %s", lock.c_str(), dst.c_str(), SeqBuilder::regName(w, s).c_str()),
             fx::kArith);
      return;
    }
    case 2: {  // CMPXCHG, often with the accumulator equal to the destination
      const bool equal = r.chance(50);
      const uint32_t value = r.interesting(w);
      std::string dst;
      const std::string lock = lockIf(b, mem);
      if (mem) {
        const MemRef m = b.mem(w / 8, {.avoid = 1u << EAX, .aligned = !lock.empty()});
        if (equal) b.storeBytes(m.offset, &value, w / 8);
        dst = m.text;
      } else {
        const unsigned d = b.pickReg(w, 1u << EAX);
        if (equal) b.setReg(w, d, value);
        dst = SeqBuilder::regName(w, d);
      }
      if (equal) b.setReg(w, EAX, value);
      b.insn(strf("%scmpxchg %s, %s", lock.c_str(), dst.c_str(),
                  SeqBuilder::regName(w, r.below(8)).c_str()), fx::kArith);
      return;
    }
    default: {  // CMPXCHG8B
      const std::string lock = lockIf(b, true);
      const MemRef m = b.mem(8, {.keyword = false, .avoid = (1u << EAX) | (1u << EDX), .aligned = !lock.empty()});
      if (r.chance(50)) {
        const uint64_t v = r.next();
        b.storeBytes(m.offset, &v, 8);
        b.setReg(32, EAX, static_cast<uint32_t>(v));
        b.setReg(32, EDX, static_cast<uint32_t>(v >> 32));
      }
      b.insn(strf("%scmpxchg8b qword %s", lock.c_str(), m.text.c_str()), {0, fl::ZF, 0});
      return;
    }
  }
}

// An address expression over whatever the registers hold (LEA only).
std::string randomAddress(Rng& r) {
  if (r.chance(30)) {
    static const char* const k16[] = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};
    const char* regs = r.pick(k16);
    switch (r.below(3)) {
      case 0: return strf("[%s%s]", regs, std::strcmp(regs, "bp") == 0 ? "+0" : "");
      case 1: return strf("[%s%+d]", regs, r.range(-128, 127));
      default: return strf("[word %s+0x%x]", regs, r.below(0x10000));
    }
  }
  const std::string base = SeqBuilder::regName(32, r.below(8));
  std::string index = SeqBuilder::regName(32, r.below(8));
  if (index == "esp") index = "ebp";
  const unsigned scale = 1u << r.below(4);
  switch (r.below(6)) {
    case 0: return strf("[%s]", base.c_str());
    case 1: return strf("[%s%+d]", base.c_str(), r.range(-128, 127));
    case 2: return strf("[dword %s+0x%x]", base.c_str(), r.u32());
    case 3: return strf("[%s+%s*%u%+d]", base.c_str(), index.c_str(), scale, r.range(-128, 127));
    case 4: return strf("[nosplit %s*%u+0x%x]", index.c_str(), scale, r.u32());
    default: return strf("[0x%x]", r.u32());
  }
}

void emitMoves(SeqBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(7)) {
    case 0: {
      const unsigned w = r.chance(50) ? 16 : 32;
      b.insn(strf("lea %s, %s", SeqBuilder::regName(w, b.pickReg(w)).c_str(), randomAddress(r).c_str()));
      return;
    }
    case 1: {  // MOVZX/MOVSX
      const char* name = r.chance(50) ? "movzx" : "movsx";
      const unsigned sw = r.chance(60) ? 8 : 16;
      const unsigned dw = sw == 16 ? 32 : (r.chance(50) ? 16 : 32);
      const std::string src = r.chance(50) ? b.mem(sw / 8).text : SeqBuilder::regName(sw, r.below(8));
      b.insn(strf("%s %s, %s", name, SeqBuilder::regName(dw, b.pickReg(dw)).c_str(), src.c_str()));
      return;
    }
    case 2: {
      if (b.reserved() & ((1u << EAX) | (1u << EDX))) return;
      static const char* const kExt[] = {"cbw", "cwde", "cwd", "cdq"};
      b.insn(r.pick(kExt));
      return;
    }
    case 3: {  // XLAT: EBX (or BX) + unsigned AL stays in the scratch area
      if (b.reserved() & ((1u << EAX) | (1u << EBX))) return;
      const bool a16 = r.chance(30);
      b.setReg(a16 ? 16 : 32, EBX, kScratchAddr + r.below(kScratchSize - 255));
      const char* seg = r.chance(25) ? "es " : "";
      b.insn(strf("%s%sxlatb", a16 ? "a16 " : "", seg));
      return;
    }
    case 4: {  // MOV with the moffs forms (A0-A3)
      const unsigned w = pickWidth(r);
      const uint32_t addr = kScratchAddr + b.pickOffset(w / 8, 0, kScratchSize);
      if (b.reserved() & 1) return;
      if (r.chance(50)) b.insn(strf("mov %s, [0x%x]", SeqBuilder::regName(w, EAX).c_str(), addr));
      else b.insn(strf("mov [0x%x], %s", addr, SeqBuilder::regName(w, EAX).c_str()));
      return;
    }
    case 5: {  // MOV r/m, imm and r, r/m
      const unsigned w = pickWidth(r);
      if (r.chance(50))
        b.insn(strf("mov %s, %s", b.mem(w / 8).text.c_str(), immText(r.u32(), w).c_str()));
      else
        b.insn(strf("mov %s, %s", SeqBuilder::regName(w, b.pickReg(w)).c_str(), b.mem(w / 8).text.c_str()));
      return;
    }
    default: {  // BOUND that does not fault: lower <= index <= upper (signed)
      const unsigned w = r.chance(70) ? 32 : 16;
      const MemRef m = b.mem(2 * w / 8, {.keyword = false});
      int32_t lo = static_cast<int32_t>(r.interesting(w) << (32 - w)) >> (32 - w);
      int32_t hi = static_cast<int32_t>(r.interesting(w) << (32 - w)) >> (32 - w);
      if (lo > hi) std::swap(lo, hi);
      const int32_t v = lo + static_cast<int32_t>(r.below(static_cast<uint32_t>(hi - lo) + 1));
      const uint32_t bounds[2] = {static_cast<uint32_t>(lo), static_cast<uint32_t>(hi)};
      if (w == 32) {
        b.storeBytes(m.offset, bounds, 8);
      } else {
        const uint16_t b16[2] = {static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
        b.storeBytes(m.offset, b16, 4);
      }
      const unsigned reg = b.pickReg(w, m.regs);
      b.setReg(w, reg, static_cast<uint32_t>(v));
      b.insn(strf("bound %s, %s", SeqBuilder::regName(w, reg).c_str(), m.text.c_str()));
      return;
    }
  }
}

void emitFlagOps(SeqBuilder& b) {
  Rng& r = b.rng();
  switch (r.below(7)) {
    case 0: b.insn("cmc", {fl::CF, fl::CF, 0}); return;
    case 1: b.insn("clc", {0, fl::CF, 0}); return;
    case 2: b.insn("stc", {0, fl::CF, 0}); return;
    case 3: b.insn(r.chance(50) ? "cld" : "std"); return;
    case 4:
      if (b.reserved() & 1) return;
      b.insn("lahf", {fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF, 0, 0});
      return;
    case 5:
      if (b.reserved() & 1) return;
      if (r.chance(50)) b.setReg(8, 4, r.below(256));  // AH
      b.insn("sahf", {0, fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF, 0});
      return;
    default:
      emitRandomAluOnRegs(b);
      return;
  }
}

void emitNop(SeqBuilder& b) {
  // The multi-byte NOP sequences recommended by the SDM, plus 66 90.
  static const char* const kNops[] = {
      "nop",
      "db 0x66, 0x90",
      "db 0x0f, 0x1f, 0x00",
      "db 0x0f, 0x1f, 0x40, 0x00",
      "db 0x0f, 0x1f, 0x44, 0x00, 0x00",
      "db 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00",
      "db 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00",
      "db 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00",
      "db 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00",
  };
  const char* n = b.rng().pick(kNops);
  b.insn(n, {}, n[0] == 'd' ? "multi-byte nop" : "");
}

}  // namespace

void generateMisc(SeqBuilder& b, unsigned count) {
  while (b.subjectCount() < count) {
    const unsigned k = b.rng().below(10);
    if (k < 3) emitExchange(b);
    else if (k < 7) emitMoves(b);
    else if (k < 9) emitFlagOps(b);
    else emitNop(b);
  }
}

}  // namespace tandem::diff
