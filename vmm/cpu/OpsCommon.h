// Helpers shared by instruction handlers.
#pragma once

#include <type_traits>

#include "vmm/cpu/CpuInline.h"

namespace tandem {

template <typename T>
using SignedOf = std::make_signed_t<T>;

template <typename T>
constexpr unsigned kBits = sizeof(T) * 8;

template <typename T>
constexpr T kMsb = static_cast<T>(T{1} << (kBits<T> - 1));

// Reads the ModRM operand (register or memory).
template <typename T, bool Mem>
inline T loadE(Cpu& c, const Insn& i) {
  if constexpr (Mem) return c.read<T>(i.seg, c.ea(i));
  else return c.reg<T>(i.rm);
}

// Writes the ModRM operand.
template <typename T, bool Mem>
inline void storeE(Cpu& c, const Insn& i, T v) {
  if constexpr (Mem) c.write<T>(i.seg, c.ea(i), v);
  else c.setReg<T>(i.rm, v);
}

// Parity flag of the low byte: set when the number of one bits is even.
inline uint32_t parityFlag(uint32_t v) { return __builtin_parity(v & 0xFF) ? 0 : fl::PF; }

// SF, ZF and PF of a result of type T.
template <typename T>
inline uint32_t szpFlags(T r) {
  return ((r & kMsb<T>) ? fl::SF : 0) | (r == 0 ? fl::ZF : 0) | parityFlag(r);
}

// The next instruction pointer, masked to the operand size of a branch.
inline uint32_t branchTarget(const Cpu& c, const Insn& i, uint32_t target) {
  return i.op16() ? (target & 0xFFFF) : target;
}

// A near branch: the target must lie within CS's limit.
inline void jumpNear(Cpu& c, uint32_t target) {
  if (target > c.st.seg[CS].limit) c.raise(kGP, 0);
  c.st.eip = target;
}

[[noreturn]] void UD(Cpu& c, const Insn& i);

}  // namespace tandem
