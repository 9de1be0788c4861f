// Bit tests and scans, SETcc and CMOVcc.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

enum class BitOp { kTest, kSet, kReset, kComplement };

template <BitOp Op, typename T>
inline T bitApply(Cpu& c, T v, unsigned bit) {
  c.setCF((v >> bit) & 1);
  T m = static_cast<T>(T{1} << bit);
  if constexpr (Op == BitOp::kSet) return v | m;
  else if constexpr (Op == BitOp::kReset) return static_cast<T>(v & ~m);
  else if constexpr (Op == BitOp::kComplement) return v ^ m;
  else return v;
}

template <typename T, BitOp Op, bool Mem>
inline void bitOnOperand(Cpu& c, const Insn& i, uint32_t ea, unsigned bit) {
  if constexpr (Mem) {
    if constexpr (Op == BitOp::kTest) {
      bitApply<Op, T>(c, c.read<T>(i.seg, ea), bit);
    } else {
      auto m = c.rmw<T>(i.seg, ea);
      m.store(bitApply<Op, T>(c, m.load(), bit));
    }
  } else {
    T r = bitApply<Op, T>(c, c.reg<T>(i.rm), bit);
    if constexpr (Op != BitOp::kTest) c.setReg<T>(i.rm, r);
  }
}

// BT* Ev,Gv: for a memory operand the bit offset is a signed index that may
// select a word or dword outside the addressed one.
template <typename T, BitOp Op, bool Mem>
void btEG(Cpu& c, const Insn& i) {
  T off = c.reg<T>(i.reg);
  if constexpr (Mem) {
    int32_t soff = static_cast<SignedOf<T>>(off);
    uint32_t ea = c.ea(i) + static_cast<uint32_t>((soff >> (sizeof(T) == 2 ? 4 : 5)) * int32_t{sizeof(T)});
    if (i.addr16()) ea &= 0xFFFF;
    bitOnOperand<T, Op, true>(c, i, ea, off & (kBits<T> - 1));
  } else {
    bitOnOperand<T, Op, false>(c, i, 0, off & (kBits<T> - 1));
  }
}

template <typename T, BitOp Op, bool Mem>
void btEI(Cpu& c, const Insn& i) {
  bitOnOperand<T, Op, Mem>(c, i, Mem ? c.ea(i) : 0, i.imm & (kBits<T> - 1));
}

// BSF/BSR: a zero source sets ZF and leaves the destination unchanged.
template <typename T, bool Forward, bool Mem>
void bitScan(Cpu& c, const Insn& i) {
  T v = loadE<T, Mem>(c, i);
  c.flagsLogic<T>(v);  // ZF tells whether the source was zero; the rest is undefined
  if (v == 0) return;
  unsigned idx = Forward ? __builtin_ctz(v) : 31 - __builtin_clz(v);
  c.setReg<T>(i.reg, static_cast<T>(idx));
}

template <bool Mem>
void setcc(Cpu& c, const Insn& i) {
  storeE<uint8_t, Mem>(c, i, c.cond(i.cc) ? 1 : 0);
}

// CMOVcc reads its source (and may fault on it) whether or not it moves; a
// 32-bit register destination is written even when the condition is false
// only in 64-bit mode, so here nothing changes when it is false.
template <typename T, bool Mem>
void cmov(Cpu& c, const Insn& i) {
  T v = loadE<T, Mem>(c, i);
  if (c.cond(i.cc)) c.setReg<T>(i.reg, v);
}

}  // namespace tandem
