// Near control transfers; far transfers, interrupts and task switches are
// in ControlFlow.cc and Interrupts.cc.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

template <unsigned CC>
void jcc(Cpu& c, const Insn& i) {
  if (condition<CC>(c)) jumpNear(c, branchTarget(c, i, c.st.eip + i.imm));
}

inline void jmpRel(Cpu& c, const Insn& i) { jumpNear(c, branchTarget(c, i, c.st.eip + i.imm)); }

template <typename T>
void callRel(Cpu& c, const Insn& i) {
  uint32_t target = branchTarget(c, i, c.st.eip + i.imm);
  if (target > c.st.seg[CS].limit) c.raise(kGP, 0);
  c.push<T>(static_cast<T>(c.st.eip));
  c.st.eip = target;
}

template <typename T, bool Mem>
void jmpE(Cpu& c, const Insn& i) {
  jumpNear(c, loadE<T, Mem>(c, i));
}

template <typename T, bool Mem>
void callE(Cpu& c, const Insn& i) {
  uint32_t target = loadE<T, Mem>(c, i);
  if (target > c.st.seg[CS].limit) c.raise(kGP, 0);
  c.push<T>(static_cast<T>(c.st.eip));
  c.st.eip = target;
}

template <typename T>
void retNear(Cpu& c, const Insn& i) {
  uint32_t target = c.peek<T>(0);
  if (target > c.st.seg[CS].limit) c.raise(kGP, 0);
  c.addSp(sizeof(T) + (i.opcode == 0xC2 ? (i.imm & 0xFFFF) : 0));
  c.st.eip = target;
}

// LOOPNE (0), LOOPE (1), LOOP (2), JCXZ/JECXZ (3). The count register's
// width is the address size.
template <int K>
void loop(Cpu& c, const Insn& i) {
  uint32_t count;
  if (i.addr16()) {
    count = c.r16(ECX);
    if (K != 3) c.r16(ECX) = static_cast<uint16_t>(--count);
  } else {
    count = c.r32(ECX);
    if (K != 3) c.r32(ECX) = --count;
  }
  bool take;
  if constexpr (K == 0) take = count != 0 && !c.getZF();
  else if constexpr (K == 1) take = count != 0 && c.getZF();
  else if constexpr (K == 2) take = count != 0;
  else take = count == 0;
  if (take) jumpNear(c, branchTarget(c, i, c.st.eip + i.imm));
}

template <typename T, bool Mem>
void bound(Cpu& c, const Insn& i) {
  using S = SignedOf<T>;
  uint32_t ea = c.ea(i);
  S lo = static_cast<S>(c.read<T>(i.seg, ea));
  uint32_t hi_at = ea + sizeof(T);
  if (i.addr16()) hi_at &= 0xFFFF;
  S hi = static_cast<S>(c.read<T>(i.seg, hi_at));
  S v = static_cast<S>(c.reg<T>(i.reg));
  if (v < lo || v > hi) c.raise(kBR);
}

void JMPF_Ap(Cpu& c, const Insn& i);
void CALLF_Ap(Cpu& c, const Insn& i);
void JMPF_Mp(Cpu& c, const Insn& i);
void CALLF_Mp(Cpu& c, const Insn& i);
void RETF(Cpu& c, const Insn& i);
void IRET(Cpu& c, const Insn& i);
void INT3(Cpu& c, const Insn& i);
void INT_Ib(Cpu& c, const Insn& i);
void INTO(Cpu& c, const Insn& i);
void INT1(Cpu& c, const Insn& i);

}  // namespace tandem
