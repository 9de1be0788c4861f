// Multiplication and division.
#pragma once

#include <limits>

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

template <typename T>
using WideOf = std::conditional_t<sizeof(T) == 4, uint64_t, uint32_t>;

// Flags after a multiply: CF = OF = `overflow`; SF, ZF and PF follow the
// low half of the result (the SDM leaves them undefined).
template <typename T>
inline void mulFlags(Cpu& c, T low, bool overflow) {
  c.flagsResult<T>(low, overflow, overflow);
}

// Stores a double-width result in AX, DX:AX or EDX:EAX.
template <typename T>
inline void storeAccPair(Cpu& c, WideOf<T> v) {
  if constexpr (sizeof(T) == 1) {
    c.r16(EAX) = static_cast<uint16_t>(v);
  } else {
    c.setReg<T>(EAX, static_cast<T>(v));
    c.setReg<T>(EDX, static_cast<T>(v >> kBits<T>));
  }
}

template <typename T>
inline WideOf<T> loadAccPair(Cpu& c) {
  if constexpr (sizeof(T) == 1) return c.r16(EAX);
  else return (WideOf<T>{c.reg<T>(EDX)} << kBits<T>) | c.reg<T>(EAX);
}

template <typename T, bool Mem>
void mulE(Cpu& c, const Insn& i) {
  WideOf<T> p = WideOf<T>{c.reg<T>(EAX)} * loadE<T, Mem>(c, i);
  storeAccPair<T>(c, p);
  mulFlags<T>(c, static_cast<T>(p), (p >> kBits<T>) != 0);
}

template <typename T, bool Mem>
void imulE(Cpu& c, const Insn& i) {
  using S = SignedOf<T>;
  using SW = std::make_signed_t<WideOf<T>>;
  SW p = SW{static_cast<S>(c.reg<T>(EAX))} * static_cast<S>(loadE<T, Mem>(c, i));
  storeAccPair<T>(c, static_cast<WideOf<T>>(p));
  mulFlags<T>(c, static_cast<T>(p), p != static_cast<S>(p));
}

template <typename T>
inline T imulTruncating(Cpu& c, T a, T b) {
  using S = SignedOf<T>;
  int64_t p = int64_t{static_cast<S>(a)} * static_cast<S>(b);
  T r = static_cast<T>(p);
  mulFlags<T>(c, r, p != static_cast<S>(r));
  return r;
}

template <typename T, bool Mem>
void imulGE(Cpu& c, const Insn& i) {
  T b = loadE<T, Mem>(c, i);
  c.setReg<T>(i.reg, imulTruncating<T>(c, c.reg<T>(i.reg), b));
}

template <typename T, bool Mem>
void imulGEI(Cpu& c, const Insn& i) {
  T a = loadE<T, Mem>(c, i);
  c.setReg<T>(i.reg, imulTruncating<T>(c, a, static_cast<T>(i.imm)));
}

// DIV/IDIV leave the flags as they were (the SDM leaves them undefined).
template <typename T, bool Mem>
void divE(Cpu& c, const Insn& i) {
  T d = loadE<T, Mem>(c, i);
  if (d == 0) c.raise(kDE);
  WideOf<T> n = loadAccPair<T>(c);
  WideOf<T> q = n / d;
  if (q >> kBits<T>) c.raise(kDE);
  T rem = static_cast<T>(n % d);
  if constexpr (sizeof(T) == 1) {
    c.r16(EAX) = static_cast<uint16_t>((rem << 8) | static_cast<uint8_t>(q));
  } else {
    c.setReg<T>(EAX, static_cast<T>(q));
    c.setReg<T>(EDX, rem);
  }
}

template <typename T, bool Mem>
void idivE(Cpu& c, const Insn& i) {
  using S = SignedOf<T>;
  using SW = std::make_signed_t<WideOf<T>>;
  S d = static_cast<S>(loadE<T, Mem>(c, i));
  if (d == 0) c.raise(kDE);
  // The dividend is AX, DX:AX or EDX:EAX, signed at its own width.
  SW n = sizeof(T) == 1 ? static_cast<int16_t>(c.r16(EAX)) : static_cast<SW>(loadAccPair<T>(c));
  // The one quotient that overflows the wide type: MIN / -1.
  if (d == -1 && n == std::numeric_limits<SW>::min()) c.raise(kDE);
  SW q = n / d;
  SW rem = n % d;
  if (q != static_cast<S>(q)) c.raise(kDE);
  if constexpr (sizeof(T) == 1) {
    c.r16(EAX) = static_cast<uint16_t>((static_cast<uint8_t>(rem) << 8) | static_cast<uint8_t>(q));
  } else {
    c.setReg<T>(EAX, static_cast<T>(q));
    c.setReg<T>(EDX, static_cast<T>(rem));
  }
}

}  // namespace tandem
