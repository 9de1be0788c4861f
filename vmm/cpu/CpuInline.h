// Inline fast paths of the CPU's memory and stack access, for handlers.
#pragma once

#include <cstring>
#include <type_traits>

#include "vmm/cpu/Cpu.h"

namespace tandem {

// ---- arithmetic flags ----

template <unsigned CC>
inline bool condition(const Cpu& c) {
  uint32_t r;
  if constexpr ((CC >> 1) == 0) r = c.getOF();
  else if constexpr ((CC >> 1) == 1) r = c.getCF();
  else if constexpr ((CC >> 1) == 2) r = c.getZF();
  else if constexpr ((CC >> 1) == 3) r = c.getCF() | c.getZF();
  else if constexpr ((CC >> 1) == 4) r = c.getSF();
  else if constexpr ((CC >> 1) == 5) r = c.getPF();
  else if constexpr ((CC >> 1) == 6) r = c.getSF() ^ c.getOF();
  else r = c.getZF() | (c.getSF() ^ c.getOF());
  return (r ^ (CC & 1)) != 0;
}

inline bool Cpu::cond(unsigned cc) const {
  switch (cc) {
    case 0: return condition<0>(*this);
    case 1: return condition<1>(*this);
    case 2: return condition<2>(*this);
    case 3: return condition<3>(*this);
    case 4: return condition<4>(*this);
    case 5: return condition<5>(*this);
    case 6: return condition<6>(*this);
    case 7: return condition<7>(*this);
    case 8: return condition<8>(*this);
    case 9: return condition<9>(*this);
    case 10: return condition<10>(*this);
    case 11: return condition<11>(*this);
    case 12: return condition<12>(*this);
    case 13: return condition<13>(*this);
    case 14: return condition<14>(*this);
    default: return condition<15>(*this);
  }
}

template <typename T>
inline uint32_t signExtendResult(T r) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<std::make_signed_t<T>>(r)));
}

// The aux word from a carry (or borrow) vector of a T-sized operation: bit
// i of `cv` is the carry out of bit i.
template <typename T>
inline uint32_t auxFromCarries(uint32_t cv) {
  if constexpr (sizeof(T) == 4) return cv;
  else return (cv << (32 - 8 * sizeof(T))) | (cv & 8);
}

template <typename T>
inline void Cpu::flagsAdd(T a, T b, T r) {
  uint32_t ua = a, ub = b, ur = r;
  lf.res = signExtendResult(r);
  lf.aux = auxFromCarries<T>((ua & ub) | ((ua | ub) & ~ur));
}

template <typename T>
inline void Cpu::flagsSub(T a, T b, T r) {
  uint32_t ua = a, ub = b, ur = r;
  lf.res = signExtendResult(r);
  lf.aux = auxFromCarries<T>((~ua & ub) | ((~ua | ub) & ur));
}

template <typename T>
inline void Cpu::flagsLogic(T r) {
  lf.res = signExtendResult(r);
  lf.aux = 0;
}

template <typename T>
inline void Cpu::flagsIncDec(T a, T r, bool inc) {
  uint32_t ua = a, ur = r;
  // The vectors of flagsAdd/flagsSub with b = 1.
  uint32_t v = auxFromCarries<T>(inc ? (ua & ~ur) : (~ua & ur));
  uint32_t of = (v ^ (v << 1)) >> 31;
  uint32_t cf = lf.aux >> 31;
  lf.res = signExtendResult(r);
  lf.aux = (cf << 31) | ((cf ^ of) << 30) | (v & 8);
}

template <typename T>
inline void Cpu::flagsResult(T r, uint32_t cf, uint32_t of) {
  lf.res = signExtendResult(r);
  lf.aux = (cf << 31) | ((cf ^ of) << 30);
}

template <unsigned N>
[[gnu::always_inline]] inline uint32_t Cpu::linearFor(unsigned s, uint32_t off, Access acc) {
  const SegLimits& l = seg_limits_[s];
  int64_t span = acc == Access::kWrite ? l.write_span : l.read_span;
  if (__builtin_expect(static_cast<int64_t>(static_cast<uint32_t>(off - l.lo)) + (N - 1) > span, 0))
    raiseSegFault(s);
  return st.seg[s].base + off;
}

// An access hits the TLB when the page of its last byte is the entry's
// page: one compare rejects both misses and accesses that cross a page.
template <typename T>
[[gnu::always_inline]] inline bool tlbHit(uint32_t tag, uint32_t lin) {
  return tag == ((lin + sizeof(T) - 1) & ~(kPageSize - 1));
}

template <typename T>
inline T Cpu::readLinear(uint32_t lin, bool user) {
  const TlbEntry& e = tlb_[user][tlbIndex(lin)];
  if (__builtin_expect(tlbHit<T>(e.read_tag, lin), 1)) {
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(e.addend + lin), sizeof(T));
    return v;
  }
  return static_cast<T>(readLinearSlow(lin, sizeof(T), user));
}

template <typename T>
inline void Cpu::writeLinear(uint32_t lin, T v, bool user) {
  const TlbEntry& e = tlb_[user][tlbIndex(lin)];
  if (__builtin_expect(tlbHit<T>(e.write_tag, lin), 1)) {
    std::memcpy(reinterpret_cast<void*>(e.addend + lin), &v, sizeof(T));
    return;
  }
  writeLinearSlow(lin, sizeof(T), v, user);
}

template <typename T>
[[gnu::always_inline]] inline T Cpu::read(unsigned s, uint32_t off) {
  uint32_t lin = linearFor<sizeof(T)>(s, off, Access::kRead);
  const TlbEntry& e = tlb_cur_[tlbIndex(lin)];
  if (__builtin_expect(tlbHit<T>(e.read_tag, lin), 1)) {
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(e.addend + lin), sizeof(T));
    return v;
  }
  return static_cast<T>(readLinearSlow(lin, sizeof(T), cpl_ == 3));
}

template <typename T>
[[gnu::always_inline]] inline void Cpu::write(unsigned s, uint32_t off, T v) {
  uint32_t lin = linearFor<sizeof(T)>(s, off, Access::kWrite);
  const TlbEntry& e = tlb_cur_[tlbIndex(lin)];
  if (__builtin_expect(tlbHit<T>(e.write_tag, lin), 1)) {
    std::memcpy(reinterpret_cast<void*>(e.addend + lin), &v, sizeof(T));
    return;
  }
  writeLinearSlow(lin, sizeof(T), v, cpl_ == 3);
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
[[gnu::always_inline]] inline Cpu::Rmw<T> Cpu::rmw(unsigned s, uint32_t off) {
  uint32_t lin = linearFor<sizeof(T)>(s, off, Access::kWrite);
  bool user = cpl_ == 3;
  const TlbEntry& e = tlb_cur_[tlbIndex(lin)];
  if (__builtin_expect(tlbHit<T>(e.write_tag, lin), 1))
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
