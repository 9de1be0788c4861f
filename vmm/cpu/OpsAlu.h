// Integer arithmetic and logic, compare, increment/decrement, NOT/NEG,
// exchange and the atomic read-modify-write instructions.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

enum class AluOp { kAdd, kOr, kAdc, kSbb, kAnd, kSub, kXor, kCmp };

template <typename T, AluOp Op>
inline T aluCompute(Cpu& c, T a, T b) {
  T r;
  if constexpr (Op == AluOp::kAdd) {
    r = static_cast<T>(a + b);
    c.flagsAdd<T>(a, b, r);
  } else if constexpr (Op == AluOp::kAdc) {
    r = static_cast<T>(a + b + c.getCF());
    c.flagsAdd<T>(a, b, r);
  } else if constexpr (Op == AluOp::kSub || Op == AluOp::kCmp) {
    r = static_cast<T>(a - b);
    c.flagsSub<T>(a, b, r);
  } else if constexpr (Op == AluOp::kSbb) {
    r = static_cast<T>(a - b - c.getCF());
    c.flagsSub<T>(a, b, r);
  } else {
    if constexpr (Op == AluOp::kAnd) r = a & b;
    else if constexpr (Op == AluOp::kOr) r = a | b;
    else r = a ^ b;
    c.flagsLogic<T>(r);
  }
  return r;
}

template <typename T, AluOp Op, bool Mem>
void aluEG(Cpu& c, const Insn& i) {
  T src = c.reg<T>(i.reg);
  if constexpr (Mem) {
    if constexpr (Op == AluOp::kCmp) {
      aluCompute<T, Op>(c, c.read<T>(i.seg, c.ea(i)), src);
    } else {
      auto m = c.rmw<T>(i.seg, c.ea(i));
      m.store(aluCompute<T, Op>(c, m.load(), src));
    }
  } else {
    T r = aluCompute<T, Op>(c, c.reg<T>(i.rm), src);
    if constexpr (Op != AluOp::kCmp) c.setReg<T>(i.rm, r);
  }
}

template <typename T, AluOp Op, bool Mem>
void aluGE(Cpu& c, const Insn& i) {
  T r = aluCompute<T, Op>(c, c.reg<T>(i.reg), loadE<T, Mem>(c, i));
  if constexpr (Op != AluOp::kCmp) c.setReg<T>(i.reg, r);
}

template <typename T, AluOp Op, bool Mem>
void aluEI(Cpu& c, const Insn& i) {
  T src = static_cast<T>(i.imm);
  if constexpr (Mem) {
    if constexpr (Op == AluOp::kCmp) {
      aluCompute<T, Op>(c, c.read<T>(i.seg, c.ea(i)), src);
    } else {
      auto m = c.rmw<T>(i.seg, c.ea(i));
      m.store(aluCompute<T, Op>(c, m.load(), src));
    }
  } else {
    T r = aluCompute<T, Op>(c, c.reg<T>(i.rm), src);
    if constexpr (Op != AluOp::kCmp) c.setReg<T>(i.rm, r);
  }
}

template <typename T, bool Mem>
void testEG(Cpu& c, const Insn& i) {
  aluCompute<T, AluOp::kAnd>(c, loadE<T, Mem>(c, i), c.reg<T>(i.reg));
}

template <typename T, bool Mem>
void testEI(Cpu& c, const Insn& i) {
  aluCompute<T, AluOp::kAnd>(c, loadE<T, Mem>(c, i), static_cast<T>(i.imm));
}

template <typename T, bool Inc>
inline T incDec(Cpu& c, T a) {
  T r = Inc ? static_cast<T>(a + 1) : static_cast<T>(a - 1);
  c.flagsIncDec<T>(a, r, Inc);
  return r;
}

template <typename T, bool Mem>
void incE(Cpu& c, const Insn& i) {
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    m.store(incDec<T, true>(c, m.load()));
  } else {
    c.setReg<T>(i.rm, incDec<T, true>(c, c.reg<T>(i.rm)));
  }
}

template <typename T, bool Mem>
void decE(Cpu& c, const Insn& i) {
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    m.store(incDec<T, false>(c, m.load()));
  } else {
    c.setReg<T>(i.rm, incDec<T, false>(c, c.reg<T>(i.rm)));
  }
}

template <typename T, bool Mem>
void notE(Cpu& c, const Insn& i) {
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    m.store(static_cast<T>(~m.load()));
  } else {
    c.setReg<T>(i.rm, static_cast<T>(~c.reg<T>(i.rm)));
  }
}

template <typename T, bool Mem>
void negE(Cpu& c, const Insn& i) {
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    m.store(aluCompute<T, AluOp::kSub>(c, 0, m.load()));
  } else {
    c.setReg<T>(i.rm, aluCompute<T, AluOp::kSub>(c, 0, c.reg<T>(i.rm)));
  }
}

template <typename T, bool Mem>
void xchgEG(Cpu& c, const Insn& i) {
  T g = c.reg<T>(i.reg);
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    T old = m.load();
    m.store(g);
    c.setReg<T>(i.reg, old);
  } else {
    T e = c.reg<T>(i.rm);
    c.setReg<T>(i.rm, g);
    c.setReg<T>(i.reg, e);
  }
}

template <typename T, bool Mem>
void xaddEG(Cpu& c, const Insn& i) {
  T src = c.reg<T>(i.reg);
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    T dst = m.load();
    T sum = aluCompute<T, AluOp::kAdd>(c, dst, src);
    m.store(sum);
    c.setReg<T>(i.reg, dst);
  } else {
    T dst = c.reg<T>(i.rm);
    T sum = aluCompute<T, AluOp::kAdd>(c, dst, src);
    c.setReg<T>(i.reg, dst);
    c.setReg<T>(i.rm, sum);
  }
}

template <typename T, bool Mem>
void cmpxchgEG(Cpu& c, const Insn& i) {
  T acc = c.reg<T>(EAX);
  T src = c.reg<T>(i.reg);
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    T dst = m.load();
    aluCompute<T, AluOp::kCmp>(c, acc, dst);
    if (acc == dst) {
      m.store(src);
    } else {
      m.store(dst);  // the processor always writes the destination
      c.setReg<T>(EAX, dst);
    }
  } else {
    T dst = c.reg<T>(i.rm);
    aluCompute<T, AluOp::kCmp>(c, acc, dst);
    if (acc == dst) c.setReg<T>(i.rm, src);
    else c.setReg<T>(EAX, dst);
  }
}

void CMPXCHG8B_Mq(Cpu& c, const Insn& i);

}  // namespace tandem
