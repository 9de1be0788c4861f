// Inline fast paths of the CPU's memory and stack access, for handlers.
#pragma once

#include <cstring>

#include "vmm/cpu/Cpu.h"

namespace tandem {

// ---- lazily evaluated flags ----

inline uint32_t Cpu::getCF() const {
  switch (lf.op) {
    case FlagOp::kAdd:
      return (((lf.a & lf.b) | ((lf.a | lf.b) & ~lf.res)) >> lf.msb) & 1;
    case FlagOp::kSub:
      return (((~lf.a & lf.b) | ((~lf.a | lf.b) & lf.res)) >> lf.msb) & 1;
    case FlagOp::kLogic:
      return 0;
    default:
      return st.eflags & fl::CF;
  }
}

inline uint32_t Cpu::getZF() const {
  return lf.op == FlagOp::kNone ? (st.eflags >> 6) & 1 : lf.res == 0;
}

inline uint32_t Cpu::getSF() const {
  return lf.op == FlagOp::kNone ? (st.eflags >> 7) & 1 : (lf.res >> lf.msb) & 1;
}

inline uint32_t Cpu::getOF() const {
  switch (lf.op) {
    case FlagOp::kAdd:
    case FlagOp::kInc:
      return (((lf.a ^ lf.res) & (lf.b ^ lf.res)) >> lf.msb) & 1;
    case FlagOp::kSub:
    case FlagOp::kDec:
      return (((lf.a ^ lf.b) & (lf.a ^ lf.res)) >> lf.msb) & 1;
    case FlagOp::kLogic:
      return 0;
    default:
      return (st.eflags >> 11) & 1;
  }
}

inline uint32_t Cpu::getPF() const {
  return lf.op == FlagOp::kNone ? (st.eflags >> 2) & 1
                                : static_cast<uint32_t>(!__builtin_parity(lf.res & 0xFF));
}

inline uint32_t Cpu::getAF() const {
  switch (lf.op) {
    case FlagOp::kNone:
      return (st.eflags >> 4) & 1;
    case FlagOp::kLogic:
      return 0;
    default:
      return ((lf.a ^ lf.b ^ lf.res) >> 4) & 1;
  }
}

inline bool Cpu::cond(unsigned cc) const {
  uint32_t r;
  switch (cc >> 1) {
    case 0: r = getOF(); break;
    case 1: r = getCF(); break;
    case 2: r = getZF(); break;
    case 3: r = getCF() | getZF(); break;
    case 4: r = getSF(); break;
    case 5: r = getPF(); break;
    case 6: r = getSF() ^ getOF(); break;
    default: r = getZF() | (getSF() ^ getOF()); break;
  }
  return (r ^ (cc & 1)) != 0;
}

template <unsigned N>
inline uint32_t Cpu::linearFor(unsigned s, uint32_t off, Access acc) {
  const SegLimits& l = seg_limits_[s];
  int64_t span = acc == Access::kWrite ? l.write_span : l.read_span;
  if (__builtin_expect(static_cast<int64_t>(static_cast<uint32_t>(off - l.lo)) + (N - 1) > span, 0))
    raiseSegFault(s);
  return st.seg[s].base + off;
}

template <typename T>
inline T Cpu::readLinear(uint32_t lin, bool user) {
  const TlbEntry& e = tlb_[user][(lin >> kPageShift) & (kTlbSize - 1)];
  if (__builtin_expect(e.read_tag == (lin & ~(kPageSize - 1)) &&
                           (lin & (kPageSize - 1)) <= kPageSize - sizeof(T),
                       1)) {
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(e.addend + lin), sizeof(T));
    return v;
  }
  return static_cast<T>(readLinearSlow(lin, sizeof(T), user));
}

template <typename T>
inline void Cpu::writeLinear(uint32_t lin, T v, bool user) {
  const TlbEntry& e = tlb_[user][(lin >> kPageShift) & (kTlbSize - 1)];
  if (__builtin_expect(e.write_tag == (lin & ~(kPageSize - 1)) &&
                           (lin & (kPageSize - 1)) <= kPageSize - sizeof(T),
                       1)) {
    std::memcpy(reinterpret_cast<void*>(e.addend + lin), &v, sizeof(T));
    return;
  }
  writeLinearSlow(lin, sizeof(T), v, user);
}

template <typename T>
inline T Cpu::read(unsigned s, uint32_t off) {
  return readLinear<T>(linearFor<sizeof(T)>(s, off, Access::kRead), cpl_ == 3);
}

template <typename T>
inline void Cpu::write(unsigned s, uint32_t off, T v) {
  writeLinear<T>(linearFor<sizeof(T)>(s, off, Access::kWrite), v, cpl_ == 3);
}

template <typename T>
inline T Cpu::Rmw<T>::load() const {
  if (host) {
    T v;
    std::memcpy(&v, host, sizeof(T));
    return v;
  }
  return static_cast<T>(cpu->readLinearSlow(lin, sizeof(T), user));
}

template <typename T>
inline void Cpu::Rmw<T>::store(T v) const {
  if (host) {
    std::memcpy(host, &v, sizeof(T));
    return;
  }
  cpu->writeLinearSlow(lin, sizeof(T), v, user);
}

template <typename T>
inline Cpu::Rmw<T> Cpu::rmw(unsigned s, uint32_t off) {
  uint32_t lin = linearFor<sizeof(T)>(s, off, Access::kWrite);
  bool user = cpl_ == 3;
  const TlbEntry& e = tlb_[user][(lin >> kPageShift) & (kTlbSize - 1)];
  if (__builtin_expect(e.write_tag == (lin & ~(kPageSize - 1)) &&
                           (lin & (kPageSize - 1)) <= kPageSize - sizeof(T),
                       1))
    return Rmw<T>{this, reinterpret_cast<uint8_t*>(e.addend + lin), lin, user};
  // Slow path: check writability of every byte now so the store cannot fault.
  translate(lin, Access::kWrite, user);
  uint32_t last = lin + sizeof(T) - 1;
  if ((last ^ lin) & ~(kPageSize - 1)) translate(last, Access::kWrite, user);
  return Rmw<T>{this, nullptr, lin, user};
}

template <typename T>
inline void Cpu::push(T v) {
  uint32_t nsp = st.gpr[ESP] - sizeof(T);
  if (!stack32_) nsp &= 0xFFFF;
  write<T>(SS, nsp, v);
  setSp(nsp);
}

template <typename T>
inline T Cpu::pop() {
  T v = read<T>(SS, sp());
  addSp(sizeof(T));
  return v;
}

template <typename T>
inline T Cpu::peek(uint32_t offset) {
  uint32_t a = st.gpr[ESP] + offset;
  if (!stack32_) a &= 0xFFFF;
  return read<T>(SS, a);
}

}  // namespace tandem
