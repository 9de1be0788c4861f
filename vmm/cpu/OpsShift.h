// Shifts, rotates and double-precision shifts. Flags are computed eagerly.
#pragma once

#include "vmm/cpu/OpsCommon.h"

namespace tandem {

enum class ShiftOp { kRol, kRor, kRcl, kRcr, kShl, kShr, kSar };
enum class ShiftCount { kOne, kCL, kImm };

template <ShiftCount K>
inline unsigned shiftCount(Cpu& c, const Insn& i) {
  if constexpr (K == ShiftCount::kOne) return 1;
  else if constexpr (K == ShiftCount::kCL) return c.r8(1) & 0x1F;
  else return i.imm & 0x1F;
}

// Computes `a` shifted by `n` (1..31, already masked) and updates flags:
// shifts set all six arithmetic flags (AF cleared); rotates only CF and OF.
template <typename T, ShiftOp Op>
inline T shiftCompute(Cpu& c, T a, unsigned n) {
  constexpr unsigned bits = kBits<T>;
  T r;
  uint32_t cf, of;
  if constexpr (Op == ShiftOp::kRol || Op == ShiftOp::kRor) {
    unsigned k = n % bits;
    if constexpr (Op == ShiftOp::kRol) {
      r = k ? static_cast<T>((a << k) | (a >> (bits - k))) : a;
      cf = r & 1;
      of = ((r >> (bits - 1)) & 1) ^ cf;
    } else {
      r = k ? static_cast<T>((a >> k) | (a << (bits - k))) : a;
      cf = (r >> (bits - 1)) & 1;
      of = cf ^ ((r >> (bits - 2)) & 1);
    }
    c.setCfOf(cf, of);
  } else if constexpr (Op == ShiftOp::kRcl || Op == ShiftOp::kRcr) {
    unsigned k = n % (bits + 1);
    uint64_t wide = (uint64_t{c.getCF()} << bits) | a;  // CF:a, bits+1 wide
    uint64_t mask = (uint64_t{1} << (bits + 1)) - 1;
    if (k) {
      if constexpr (Op == ShiftOp::kRcl) wide = ((wide << k) | (wide >> (bits + 1 - k))) & mask;
      else wide = ((wide >> k) | (wide << (bits + 1 - k))) & mask;
    }
    r = static_cast<T>(wide);
    cf = (wide >> bits) & 1;
    if constexpr (Op == ShiftOp::kRcl) of = ((r >> (bits - 1)) & 1) ^ cf;
    else of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
    c.setCfOf(cf, of);
  } else {
    if constexpr (Op == ShiftOp::kShl) {
      r = n < bits ? static_cast<T>(a << n) : 0;
      cf = n <= bits ? (a >> (bits - n)) & 1 : 0;
      of = ((r >> (bits - 1)) & 1) ^ cf;
    } else if constexpr (Op == ShiftOp::kShr) {
      r = n < bits ? static_cast<T>(a >> n) : 0;
      cf = n <= bits ? (a >> (n - 1)) & 1 : 0;
      of = (a >> (bits - 1)) & 1;
    } else {
      using S = SignedOf<T>;
      S sa = static_cast<S>(a);
      r = n < bits ? static_cast<T>(sa >> n) : static_cast<T>(sa < 0 ? -1 : 0);
      cf = n < bits ? (a >> (n - 1)) & 1 : (a >> (bits - 1)) & 1;
      of = 0;
    }
    c.flagsResult<T>(r, cf, of);
  }
  return r;
}

template <typename T, ShiftOp Op, ShiftCount K, bool Mem>
void shiftE(Cpu& c, const Insn& i) {
  unsigned n = shiftCount<K>(c, i);
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    T a = m.load();
    if (n == 0) return;  // the access still happens (and may fault)
    m.store(shiftCompute<T, Op>(c, a, n));
  } else {
    if (n == 0) return;
    c.setReg<T>(i.rm, shiftCompute<T, Op>(c, c.reg<T>(i.rm), n));
  }
}

// SHLD/SHRD: `a` is the destination, `b` supplies the bits shifted in.
template <typename T, bool Left>
inline T shiftDoubleCompute(Cpu& c, T a, T b, unsigned n) {
  constexpr unsigned bits = kBits<T>;
  T r;
  uint32_t cf;
  if constexpr (bits == 32) {
    if constexpr (Left) {
      r = static_cast<T>((a << n) | (b >> (32 - n)));
      cf = (a >> (32 - n)) & 1;
    } else {
      r = static_cast<T>((a >> n) | (b << (32 - n)));
      cf = (a >> (n - 1)) & 1;
    }
  } else {
    // 16-bit: counts above 16 shift through a:b:a as P6-family processors do.
    if constexpr (Left) {
      uint64_t w = (uint64_t{a} << 32) | (uint64_t{b} << 16) | a;
      r = static_cast<T>(w >> (32 - n));
      cf = (w >> (48 - n)) & 1;
    } else {
      uint64_t w = uint64_t{a} | (uint64_t{b} << 16) | (uint64_t{a} << 32);
      r = static_cast<T>(w >> n);
      cf = (w >> (n - 1)) & 1;
    }
  }
  uint32_t of = ((r ^ a) >> (bits - 1)) & 1;
  c.flagsResult<T>(r, cf, of);
  return r;
}

template <typename T, bool Left, ShiftCount K, bool Mem>
void shiftDouble(Cpu& c, const Insn& i) {
  unsigned n = shiftCount<K>(c, i);
  T b = c.reg<T>(i.reg);
  if constexpr (Mem) {
    auto m = c.rmw<T>(i.seg, c.ea(i));
    T a = m.load();
    if (n == 0) return;
    m.store(shiftDoubleCompute<T, Left>(c, a, b, n));
  } else {
    if (n == 0) return;
    c.setReg<T>(i.rm, shiftDoubleCompute<T, Left>(c, c.reg<T>(i.rm), b, n));
  }
}

}  // namespace tandem
