// The kinds of x87 instruction. Each kind is a class template whose
// parameters describe one instruction (its encoding and shape) and whose
// static run<Env>() executes it; X87Ops.def lists every instruction as one
// of these kinds.
#pragma once

#include <cstdint>

#include "vmm/cpu/X87Exec.h"

namespace tandem {

// Shapes of the common instructions (X87Shape: values in, values out,
// condition codes defined, EFLAGS written, irregular status bits).
namespace x87shape {
constexpr uint16_t kAllCc = fsw::kCc;
constexpr X87Shape kUnary{1, 1, fsw::C1};           // ST(0) <- f(ST(0))
constexpr X87Shape kBinary{2, 2, fsw::C1};          // ST(0) or ST(i) <- ST(0) op ST(i)
constexpr X87Shape kBinaryPop{2, 1, fsw::C1};       // ..., then pop
constexpr X87Shape kTrig{1, 1, fsw::C1 | fsw::C2};  // FSIN/FCOS: C2 = out of range
constexpr X87Shape kPush{0, 1, fsw::C1};            // loads and constants
constexpr X87Shape kSplit{1, 2, fsw::C1};           // FXTRACT
constexpr X87Shape kSplitTrig{1, 2, fsw::C1 | fsw::C2, false, fsw::ES | fsw::C2};
// FPREM/FPREM1: quotient bits and "incomplete". With a zero, infinite, NaN
// or denormal operand some of them keep their old values: the exact path.
constexpr X87Shape kRemainder{2, 2, kAllCc, false, fsw::ES, true};
constexpr X87Shape kStore{1, 1, fsw::C1};            // FST/FIST to memory
constexpr X87Shape kStorePop{1, 0, fsw::C1};         // FSTP/FISTP/FBSTP
constexpr X87Shape kMemArith{1, 1, fsw::C1};         // ST(0) <- ST(0) op m
constexpr X87Shape kExamine{1, 1, kAllCc};           // FTST/FXAM; FCOM m
constexpr X87Shape kCompareMemPop{1, 0, kAllCc};     // FCOMP m
constexpr X87Shape kCompare{2, 2, kAllCc};           // FCOM ST(i)
constexpr X87Shape kComparePop{2, 1, kAllCc};        // FCOMP ST(i)
constexpr X87Shape kComparePop2{2, 0, kAllCc};       // FCOMPP, FUCOMPP
constexpr X87Shape kCompareFlags{2, 2, 0, true};     // FCOMI: C1 kept unless a stack fault
constexpr X87Shape kCompareFlagsPop{2, 1, 0, true};  // FCOMIP
}  // namespace x87shape

// A register form computed by the host. StI: the instruction names ST(i)
// (ModRM.rm), else its operands are implicit (ST(0), ST(1)).
template <uint8_t Esc, uint8_t Modrm, X87Shape S, bool StI>
struct RegOp {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    const unsigned i = env.modrm() & 7;
    constexpr uint8_t host_modrm = StI ? uint8_t(Modrm | 1) : Modrm;
    if (x87Fast<Esc, host_modrm, S>(env, StI ? int(i) : 1, nullptr, 0)) return;
    if constexpr (StI)
      x87ExactStI<Esc, Modrm, S.eflags>(env, i);
    else
      x87Exact<Esc, Modrm, S.eflags>(env, nullptr, 0);
  }
};

// A memory form computed by the host: the operand is read first (loads and
// arithmetic), or the host writes it to a buffer that is then stored.
template <uint8_t Esc, uint8_t Reg, unsigned Size, bool Store, X87Shape S>
struct MemOp {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    alignas(16) uint8_t buf[16] = {};
    if (!Store) env.loadBytes(buf, Size);
    constexpr uint8_t host_modrm = uint8_t(Reg << 3 | 1);  // [rcx]
    constexpr unsigned store_size = Store ? Size : 0;
    if (!x87Fast<Esc, host_modrm, S>(env, 1, buf, store_size))
      x87Exact<Esc, host_modrm, false>(env, buf, store_size);
  }
};

// Register moves and stack housekeeping need no arithmetic: done here by a
// Move policy, with the host taking over (exact path) only when Move::ready
// says a register involved is empty or full, i.e. a stack fault.
template <uint8_t Esc, uint8_t Modrm, class Move>
struct StMove {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    const int i = env.modrm() & 7;
    if (!Move::ready(f, i)) return x87ExactStI<Esc, Modrm, false>(env, unsigned(i));
    Move::apply(f, i, env.eflags());
    x87NotePointers(env);
  }
};

// FLD ST(i): push a copy of ST(i). The moves clear C1, as the hardware does.
struct FldMove {
  static bool ready(const FpuState& f, int i) { return !stEmpty(f, i) && stEmpty(f, -1); }
  static void apply(FpuState& f, int i, uint32_t) {
    stSet(f, -1, stGet(f, i));
    setTop(f, f.top - 1);
    setCc(f, fsw::C1, 0);
  }
};

// FST/FSTP ST(i) (and the reserved aliases of FSTP).
template <bool Pop>
struct FstMove {
  static bool ready(const FpuState& f, int) { return !stEmpty(f, 0); }
  static void apply(FpuState& f, int i, uint32_t) {
    stSet(f, i, stGet(f, 0));
    if (Pop) stPop(f);
    setCc(f, fsw::C1, 0);
  }
};

// FXCH ST(i) (and its reserved aliases).
struct FxchMove {
  static bool ready(const FpuState& f, int i) { return !stEmpty(f, 0) && !stEmpty(f, i); }
  static void apply(FpuState& f, int i, uint32_t) {
    const F80 a = stGet(f, 0), b = stGet(f, i);
    stSet(f, 0, b);
    stSet(f, i, a);
    setCc(f, fsw::C1, 0);
  }
};

// FCMOVcc ST(0), ST(i). Condition codes are left alone.
enum class X87Cond : uint8_t { kB, kE, kBE, kU, kNB, kNE, kNBE, kNU };

template <X87Cond C>
struct FcmovMove {
  static bool holds(uint32_t eflags) {
    const bool cf = eflags & fl::CF, zf = eflags & fl::ZF, pf = eflags & fl::PF;
    switch (C) {
      case X87Cond::kB:
        return cf;
      case X87Cond::kE:
        return zf;
      case X87Cond::kBE:
        return cf || zf;
      case X87Cond::kU:
        return pf;
      case X87Cond::kNB:
        return !cf;
      case X87Cond::kNE:
        return !zf;
      case X87Cond::kNBE:
        return !cf && !zf;
      case X87Cond::kNU:
        return !pf;
    }
    return false;
  }
  static bool ready(const FpuState& f, int i) { return !stEmpty(f, 0) && !stEmpty(f, i); }
  static void apply(FpuState& f, int i, uint32_t eflags) {
    if (holds(eflags)) stSet(f, 0, stGet(f, i));
  }
};

// FFREE ST(i); FFREEP ST(i) also pops.
template <bool Pop>
struct FfreeMove {
  static bool ready(const FpuState&, int) { return true; }
  static void apply(FpuState& f, int i, uint32_t) {
    stFree(f, i);
    if (Pop) stPop(f);
    setCc(f, fsw::C1, 0);
  }
};

// FINCSTP (+1) and FDECSTP (-1): rotate the stack, tags untouched.
template <int Delta>
struct RotateMove {
  static bool ready(const FpuState&, int) { return true; }
  static void apply(FpuState& f, int, uint32_t) {
    setTop(f, f.top + Delta);
    setCc(f, fsw::C1, 0);
  }
};

struct NopMove {
  static bool ready(const FpuState&, int) { return true; }
  static void apply(FpuState&, int, uint32_t) {}
};

// Reserved encodings and those of later processors (FISTTP).
struct X87Invalid {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    env.raise(kUD);
  }
};

}  // namespace tandem
