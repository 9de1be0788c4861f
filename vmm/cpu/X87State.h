// Register-stack and status-word helpers over FpuState, shared by every x87
// instruction. They keep three invariants the rest of the FPU relies on:
// sw's TOP field equals `top`; ES and B are set exactly when an exception
// flag is set whose mask bit is clear; and every non-empty register's tag
// is the one its contents imply (the full tags FNSTENV/FNSAVE report).
#pragma once

#include <cstdint>

#include "vmm/cpu/CpuState.h"

namespace tandem {

// Status word bits.
namespace fsw {
constexpr uint16_t IE = 1u << 0, DE = 1u << 1, ZE = 1u << 2, OE = 1u << 3, UE = 1u << 4,
                   PE = 1u << 5, SF = 1u << 6, ES = 1u << 7, C0 = 1u << 8, C1 = 1u << 9,
                   C2 = 1u << 10, C3 = 1u << 14, B = 1u << 15;
constexpr uint16_t kExceptions = IE | DE | ZE | OE | UE | PE;
constexpr uint16_t kCc = C0 | C1 | C2 | C3;
constexpr unsigned kTopShift = 11;
constexpr uint16_t kTopMask = 7u << kTopShift;
}  // namespace fsw

// Control word: bits 0-5 masks, 8-9 precision, 10-11 rounding, 12 infinity
// control (kept, no effect). Bit 6 always reads as one, 7 and 13-15 as zero.
namespace fcw {
constexpr uint16_t kMasks = 0x3F, kStored = 0x1F3F, kFixed1 = 0x40, kInit = 0x37F;
}

enum X87Tag : uint8_t { kTagValid = 0, kTagZero = 1, kTagSpecial = 2, kTagEmpty = 3 };

// An 80-bit value laid out as in memory (significand, then sign+exponent),
// so the host's FLD/FSTP m80 can read and write it directly.
struct F80 {
  uint64_t mant;
  uint16_t sexp;
  bool operator==(const F80&) const = default;
};

// The QNaN "real indefinite" the FPU produces for masked invalid operations.
constexpr F80 kRealIndefinite{0xC000000000000000ull, 0xFFFF};

constexpr X87Tag tagForValue(uint64_t mant, uint16_t sexp) {
  const unsigned exp = sexp & 0x7FFF;
  if (exp == 0x7FFF) return kTagSpecial;
  if (exp == 0) return mant == 0 ? kTagZero : kTagSpecial;
  return (mant >> 63) ? kTagValid : kTagSpecial;  // unnormals are special
}

inline unsigned physReg(const FpuState& f, int i) {
  return (f.top + i) & 7;
}

inline X87Tag physTag(const FpuState& f, unsigned phys) {
  return X87Tag((f.tw >> (2 * phys)) & 3);
}
inline void setPhysTag(FpuState& f, unsigned phys, X87Tag t) {
  f.tw = uint16_t((f.tw & ~(3u << (2 * phys))) | (unsigned(t) << (2 * phys)));
}

inline bool stEmpty(const FpuState& f, int i) {
  return physTag(f, physReg(f, i)) == kTagEmpty;
}

inline F80 physGet(const FpuState& f, unsigned phys) {
  return {f.mant[phys], f.sexp[phys]};
}
inline F80 stGet(const FpuState& f, int i) {
  return physGet(f, physReg(f, i));
}

inline void physSet(FpuState& f, unsigned phys, F80 v) {
  f.mant[phys] = v.mant;
  f.sexp[phys] = v.sexp;
  setPhysTag(f, phys, tagForValue(v.mant, v.sexp));
}
inline void stSet(FpuState& f, int i, F80 v) {
  physSet(f, physReg(f, i), v);
}

// Marks a register empty; its contents stay, as on the hardware (FNSAVE
// still shows them).
inline void stFree(FpuState& f, int i) {
  setPhysTag(f, physReg(f, i), kTagEmpty);
}

inline void setTop(FpuState& f, unsigned top) {
  f.top = top & 7;
  f.sw = uint16_t((f.sw & ~fsw::kTopMask) | (f.top << fsw::kTopShift));
}

inline void stPop(FpuState& f) {
  stFree(f, 0);
  setTop(f, f.top + 1);
}

// ES and B follow the exception flags whose masks are clear.
inline void updateSummary(FpuState& f) {
  if (f.sw & ~f.cw & fcw::kMasks)
    f.sw |= fsw::ES | fsw::B;
  else
    f.sw &= uint16_t(~(fsw::ES | fsw::B));
}

// Records exception flags (and SF); they stay set until FNCLEX/FNINIT.
inline void raiseFlags(FpuState& f, uint16_t flags) {
  f.sw |= flags & (fsw::kExceptions | fsw::SF);
  updateSummary(f);
}

// Replaces the condition-code bits selected by `mask` with those of `value`.
inline void setCc(FpuState& f, uint16_t mask, uint16_t value) {
  f.sw = uint16_t((f.sw & ~mask) | (value & mask));
}

inline void recomputeTags(FpuState& f) {
  for (unsigned p = 0; p < 8; ++p)
    if (physTag(f, p) != kTagEmpty) setPhysTag(f, p, tagForValue(f.mant[p], f.sexp[p]));
}

// Exceptions not masked by `cw` among `flags`.
inline uint16_t unmasked(uint16_t flags, uint16_t cw) {
  return flags & ~cw & fcw::kMasks;
}

}  // namespace tandem
