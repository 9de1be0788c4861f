// Data movement and the stack.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

template <typename T, bool Mem>
void movEG(Cpu& c, const Insn& i) {
  storeE<T, Mem>(c, i, c.reg<T>(i.reg));
}

template <typename T, bool Mem>
void movGE(Cpu& c, const Insn& i) {
  c.setReg<T>(i.reg, loadE<T, Mem>(c, i));
}

template <typename T, bool Mem>
void movEI(Cpu& c, const Insn& i) {
  storeE<T, Mem>(c, i, static_cast<T>(i.imm));
}

template <typename D, typename S, bool Signed, bool Mem>
void movExtend(Cpu& c, const Insn& i) {
  S v = loadE<S, Mem>(c, i);
  if constexpr (Signed) c.setReg<D>(i.reg, static_cast<D>(static_cast<SignedOf<S>>(v)));
  else c.setReg<D>(i.reg, static_cast<D>(v));
}

template <typename T, bool Mem>
void lea(Cpu& c, const Insn& i) {
  c.setReg<T>(i.reg, static_cast<T>(c.ea(i)));
}

template <typename T>
void pushR(Cpu& c, const Insn& i) {
  c.push<T>(c.reg<T>(i.reg));
}

template <typename T>
void popR(Cpu& c, const Insn& i) {
  T v = c.pop<T>();
  c.setReg<T>(i.reg, v);
}

template <typename T>
void pushI(Cpu& c, const Insn& i) {
  c.push<T>(static_cast<T>(i.imm));
}

template <typename T, bool Mem>
void pushE(Cpu& c, const Insn& i) {
  c.push<T>(loadE<T, Mem>(c, i));
}

// POP r/m: the stack pointer is incremented before the destination address
// is computed, as the SDM specifies.
template <typename T, bool Mem>
void popE(Cpu& c, const Insn& i) {
  T v = c.peek<T>(0);
  if constexpr (Mem) {
    uint32_t old_esp = c.st.gpr[ESP];
    c.addSp(sizeof(T));
    try {
      c.write<T>(i.seg, c.ea(i), v);
    } catch (const GuestException&) {
      c.st.gpr[ESP] = old_esp;
      throw;
    }
  } else {
    c.addSp(sizeof(T));
    c.setReg<T>(i.rm, v);
  }
}

// Pushing a segment register with a 32-bit operand size moves 16 bits into
// a 4-byte slot, leaving the upper half of the slot unchanged.
template <typename T, unsigned S>
void pushSeg(Cpu& c, const Insn& i) {
  uint16_t sel = c.st.seg[S].selector;
  if constexpr (sizeof(T) == 2) {
    c.push<uint16_t>(sel);
  } else {
    uint32_t nsp = c.st.gpr[ESP] - 4;
    if (!c.stack32_) nsp &= 0xFFFF;
    c.write<uint16_t>(SS, nsp, sel);
    c.setSp(nsp);
  }
}

template <typename T, unsigned S>
void popSeg(Cpu& c, const Insn& i) {
  uint16_t sel = static_cast<uint16_t>(c.peek<T>(0));
  c.loadSegment(S, sel);
  c.addSp(sizeof(T));
  if (S == SS) c.st.intr_shadow = 1;
}

template <typename T>
void pusha(Cpu& c, const Insn& i) {
  uint32_t sp = c.st.gpr[ESP];
  T saved_sp = static_cast<T>(sp);
  for (unsigned r = 0; r < 8; ++r) {
    sp -= sizeof(T);
    if (!c.stack32_) sp &= 0xFFFF;
    c.write<T>(SS, sp, r == ESP ? saved_sp : c.reg<T>(r));
  }
  c.setSp(sp);
}

template <typename T>
void popa(Cpu& c, const Insn& i) {
  T v[8];
  for (unsigned k = 0; k < 8; ++k) v[k] = c.peek<T>(k * sizeof(T));
  for (unsigned r = 0; r < 8; ++r)
    if (r != ESP) c.setReg<T>(r, v[7 - r]);
  c.addSp(8 * sizeof(T));
}

template <typename T>
void pushf(Cpu& c, const Insn& i) {
  c.push<T>(static_cast<T>(c.eflags() & ~(fl::VM | fl::RF)));
}

// Which EFLAGS bits POPF/IRET may change at the current privilege level.
uint32_t popfWritableMask(Cpu& c, bool op32);

template <typename T>
void popf(Cpu& c, const Insn& i) {
  T v = c.peek<T>(0);
  uint32_t mask = popfWritableMask(c, sizeof(T) == 4);
  c.addSp(sizeof(T));
  c.setEflags(v, mask);
  c.st.eflags &= ~fl::RF;
}

template <typename T>
void enter(Cpu& c, const Insn& i) {
  uint16_t size = static_cast<uint16_t>(i.imm);
  unsigned level = i.imm2 & 31;
  auto wrap = [&](uint32_t a) { return c.stack32_ ? a : (a & 0xFFFF); };
  uint32_t sp = wrap(c.st.gpr[ESP] - sizeof(T));
  c.write<T>(SS, sp, c.reg<T>(EBP));
  uint32_t frame = sp;
  uint32_t bp = c.st.gpr[EBP];
  for (unsigned k = 1; k < level; ++k) {
    bp = wrap(bp - sizeof(T));
    T v = c.read<T>(SS, bp);
    sp = wrap(sp - sizeof(T));
    c.write<T>(SS, sp, v);
  }
  if (level > 0) {
    sp = wrap(sp - sizeof(T));
    c.write<T>(SS, sp, static_cast<T>(frame));
  }
  sp = wrap(sp - size);
  // The final stack pointer must be usable: touch the lowest byte.
  if (size) c.read<uint8_t>(SS, sp);
  c.setReg<T>(EBP, static_cast<T>(frame));
  c.setSp(sp);
}

template <typename T>
void leave(Cpu& c, const Insn& i) {
  uint32_t bp = c.stack32_ ? c.st.gpr[EBP] : (c.st.gpr[EBP] & 0xFFFF);
  T v = c.read<T>(SS, bp);
  c.setSp(bp + sizeof(T));
  c.setReg<T>(EBP, v);
}

template <bool Mem>
void movEwSw(Cpu& c, const Insn& i) {
  if (i.reg > 5) c.raise(kUD);
  uint16_t sel = c.st.seg[i.reg].selector;
  if constexpr (Mem) {
    c.write<uint16_t>(i.seg, c.ea(i), sel);
  } else {
    if (i.op16()) c.r16(i.rm) = sel;
    else c.r32(i.rm) = sel;
  }
}

template <bool Mem>
void movSwEw(Cpu& c, const Insn& i) {
  if (i.reg > 5 || i.reg == CS) c.raise(kUD);
  uint16_t sel = loadE<uint16_t, Mem>(c, i);
  c.loadSegment(i.reg, sel);
  if (i.reg == SS) c.st.intr_shadow = 1;
}

// LDS/LES/LFS/LGS/LSS r, m16:16 / m16:32.
template <typename T, unsigned S, bool Mem>
void loadFarPointer(Cpu& c, const Insn& i) {
  uint32_t ea = c.ea(i);
  T off = c.read<T>(i.seg, ea);
  uint32_t sel_at = ea + sizeof(T);
  if (i.addr16()) sel_at &= 0xFFFF;
  uint16_t sel = c.read<uint16_t>(i.seg, sel_at);
  c.loadSegment(S, sel);
  c.setReg<T>(i.reg, off);
}

void CBW(Cpu& c, const Insn& i);
void CWDE(Cpu& c, const Insn& i);
void CWD(Cpu& c, const Insn& i);
void CDQ(Cpu& c, const Insn& i);
void XLAT(Cpu& c, const Insn& i);
void LAHF(Cpu& c, const Insn& i);
void SAHF(Cpu& c, const Insn& i);
void SALC(Cpu& c, const Insn& i);
void NOP(Cpu& c, const Insn& i);
void BSWAP_ERd(Cpu& c, const Insn& i);
void CMC(Cpu& c, const Insn& i);
void CLC(Cpu& c, const Insn& i);
void STC(Cpu& c, const Insn& i);
void CLD(Cpu& c, const Insn& i);
void STD(Cpu& c, const Insn& i);
void CLI(Cpu& c, const Insn& i);
void STI(Cpu& c, const Insn& i);
void DAA(Cpu& c, const Insn& i);
void DAS(Cpu& c, const Insn& i);
void AAA(Cpu& c, const Insn& i);
void AAS(Cpu& c, const Insn& i);
void AAM_Ib(Cpu& c, const Insn& i);
void AAD_Ib(Cpu& c, const Insn& i);

}  // namespace tandem
