// Handlers that need no template: conversions, flag instructions, BCD
// adjustments, CMPXCHG8B, BSWAP.
#include "vmm/cpu/OpsAlu.h"
#include "vmm/cpu/OpsMove.h"

namespace tandem {

void UD(Cpu& c, const Insn& i) { c.raise(kUD); }

void NOP(Cpu& c, const Insn& i) {}

void CBW(Cpu& c, const Insn& i) { c.r16(EAX) = static_cast<uint16_t>(static_cast<int8_t>(c.r8(0))); }
void CWDE(Cpu& c, const Insn& i) {
  c.r32(EAX) = static_cast<uint32_t>(static_cast<int16_t>(c.r16(EAX)));
}
void CWD(Cpu& c, const Insn& i) { c.r16(EDX) = (c.r16(EAX) & 0x8000) ? 0xFFFF : 0; }
void CDQ(Cpu& c, const Insn& i) { c.r32(EDX) = (c.r32(EAX) & 0x80000000u) ? 0xFFFFFFFFu : 0; }

void XLAT(Cpu& c, const Insn& i) {
  uint32_t off = c.r32(EBX) + c.r8(0);
  if (i.addr16()) off &= 0xFFFF;
  c.r8(0) = c.read<uint8_t>(i.seg, off);
}

void LAHF(Cpu& c, const Insn& i) { c.r8(4) = static_cast<uint8_t>(c.eflags()); }

void SAHF(Cpu& c, const Insn& i) {
  constexpr uint32_t kMask = fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF;
  c.setArithFlags((c.eflags() & ~kMask) | (c.r8(4) & kMask));
}

void SALC(Cpu& c, const Insn& i) { c.r8(0) = c.getCF() ? 0xFF : 0; }

void BSWAP_ERd(Cpu& c, const Insn& i) {
  if (i.op16()) {
    c.r16(i.rm) = 0;  // undefined by the SDM; processors clear the word
  } else {
    c.r32(i.rm) = __builtin_bswap32(c.r32(i.rm));
  }
}

void CMC(Cpu& c, const Insn& i) { c.setCF(c.getCF() ^ 1); }
void CLC(Cpu& c, const Insn& i) { c.setCF(0); }
void STC(Cpu& c, const Insn& i) { c.setCF(1); }
void CLD(Cpu& c, const Insn& i) { c.st.eflags &= ~fl::DF; }
void STD(Cpu& c, const Insn& i) { c.st.eflags |= fl::DF; }

// CLI/STI: allowed when CPL <= IOPL (real mode: always).
static void checkIopl(Cpu& c) {
  if (c.protectedMode() && c.cpl_ > ((c.st.eflags >> 12) & 3)) c.raise(kGP, 0);
}

void CLI(Cpu& c, const Insn& i) {
  checkIopl(c);
  c.st.eflags &= ~fl::IF;
}

void STI(Cpu& c, const Insn& i) {
  checkIopl(c);
  if (!(c.st.eflags & fl::IF)) c.st.intr_shadow = 1;
  c.st.eflags |= fl::IF;
}

uint32_t popfWritableMask(Cpu& c, bool op32) {
  uint32_t mask = fl::kArith | fl::TF | fl::DF | fl::NT;
  if (op32) mask |= fl::AC | fl::ID;
  unsigned iopl = (c.st.eflags >> 12) & 3;
  if (!c.protectedMode() || c.cpl_ == 0) mask |= fl::IOPL | fl::IF;
  else if (c.cpl_ <= iopl) mask |= fl::IF;
  if (!op32) mask &= 0xFFFF;
  return mask;
}

// ---- BCD ----

void DAA(Cpu& c, const Insn& i) {
  uint8_t al = c.r8(0), old_al = al;
  uint32_t f = c.eflags();
  bool old_cf = f & fl::CF, cf = false, af = false;
  if ((al & 0xF) > 9 || (f & fl::AF)) {
    cf = old_cf || al > 0xF9;
    al = static_cast<uint8_t>(al + 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = static_cast<uint8_t>(al + 0x60);
    cf = true;
  }
  c.r8(0) = al;
  c.setArithFlags((f & ~fl::kArith) | szpFlags<uint8_t>(al) | (cf ? fl::CF : 0) | (af ? fl::AF : 0));
}

void DAS(Cpu& c, const Insn& i) {
  uint8_t al = c.r8(0), old_al = al;
  uint32_t f = c.eflags();
  bool old_cf = f & fl::CF, cf = false, af = false;
  if ((al & 0xF) > 9 || (f & fl::AF)) {
    cf = old_cf || al < 6;
    al = static_cast<uint8_t>(al - 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = static_cast<uint8_t>(al - 0x60);
    cf = true;
  }
  c.r8(0) = al;
  c.setArithFlags((f & ~fl::kArith) | szpFlags<uint8_t>(al) | (cf ? fl::CF : 0) | (af ? fl::AF : 0));
}

// AAA/AAS: the P6 family adjusts AX as a whole (AX +/- 6), then AH.
void AAA(Cpu& c, const Insn& i) {
  uint32_t f = c.eflags() & ~fl::kArith;
  uint16_t ax = c.r16(EAX);
  if ((ax & 0xF) > 9 || (c.eflags() & fl::AF)) {
    ax = static_cast<uint16_t>(ax + 0x106);
    f |= fl::AF | fl::CF;
  }
  ax &= 0xFF0F;
  c.r16(EAX) = ax;
  c.setArithFlags(f | szpFlags<uint8_t>(static_cast<uint8_t>(ax)));
}

void AAS(Cpu& c, const Insn& i) {
  uint32_t f = c.eflags() & ~fl::kArith;
  uint16_t ax = c.r16(EAX);
  if ((ax & 0xF) > 9 || (c.eflags() & fl::AF)) {
    ax = static_cast<uint16_t>(ax - 6);
    ax = static_cast<uint16_t>(ax - 0x100);
    f |= fl::AF | fl::CF;
  }
  ax &= 0xFF0F;
  c.r16(EAX) = ax;
  c.setArithFlags(f | szpFlags<uint8_t>(static_cast<uint8_t>(ax)));
}

void AAM_Ib(Cpu& c, const Insn& i) {
  uint8_t base = static_cast<uint8_t>(i.imm);
  if (base == 0) c.raise(kDE);
  uint8_t al = c.r8(0);
  c.r8(4) = al / base;
  c.r8(0) = al % base;
  c.setArithFlags((c.eflags() & ~fl::kArith) | szpFlags<uint8_t>(c.r8(0)));
}

void AAD_Ib(Cpu& c, const Insn& i) {
  uint8_t base = static_cast<uint8_t>(i.imm);
  uint8_t al = static_cast<uint8_t>(c.r8(0) + c.r8(4) * base);
  c.r16(EAX) = al;
  c.setArithFlags((c.eflags() & ~fl::kArith) | szpFlags<uint8_t>(al));
}

void CMPXCHG8B_Mq(Cpu& c, const Insn& i) {
  uint32_t ea = c.ea(i);
  // Both halves are checked for writing first: the processor always writes.
  auto lo = c.rmw<uint32_t>(i.seg, ea);
  uint32_t hi_off = i.addr16() ? ((ea + 4) & 0xFFFF) : ea + 4;
  auto hi = c.rmw<uint32_t>(i.seg, hi_off);
  uint32_t m_lo = lo.load(), m_hi = hi.load();
  uint32_t f = c.eflags() & ~fl::ZF;
  if (m_lo == c.r32(EAX) && m_hi == c.r32(EDX)) {
    lo.store(c.r32(EBX));
    hi.store(c.r32(ECX));
    f |= fl::ZF;
  } else {
    lo.store(m_lo);
    hi.store(m_hi);
    c.r32(EAX) = m_lo;
    c.r32(EDX) = m_hi;
  }
  c.setArithFlags(f);
}

}  // namespace tandem
