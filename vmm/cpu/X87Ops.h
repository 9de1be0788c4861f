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
constexpr X87Shape kUnary{1, 1, fsw::C1};                 // ST(0) <- f(ST(0))
constexpr X87Shape kBinary{2, 2, fsw::C1};                // ST(0) or ST(i) <- ST(0) op ST(i)
constexpr X87Shape kBinaryPop{2, 1, fsw::C1};             // ..., then pop
constexpr X87Shape kTrig{1, 1, fsw::C1 | fsw::C2};        // FSIN/FCOS: C2 = out of range
constexpr X87Shape kPush{0, 1, fsw::C1};                  // loads and constants
constexpr X87Shape kSplit{1, 2, fsw::C1};                 // FXTRACT
constexpr X87Shape kSplitTrig{1, 2, fsw::C1 | fsw::C2, false, fsw::ES | fsw::C2};
// FPREM/FPREM1: quotient bits and "incomplete". With a zero, infinite, NaN
// or denormal operand some of them keep their old values: the exact path.
constexpr X87Shape kRemainder{2, 2, kAllCc, false, fsw::ES, true};
constexpr X87Shape kStore{1, 1, fsw::C1};                 // FST/FIST to memory
constexpr X87Shape kStorePop{1, 0, fsw::C1};              // FSTP/FISTP/FBSTP
constexpr X87Shape kMemArith{1, 1, fsw::C1};              // ST(0) <- ST(0) op m
constexpr X87Shape kExamine{1, 1, kAllCc};                // FTST/FXAM; FCOM m
constexpr X87Shape kCompareMemPop{1, 0, kAllCc};          // FCOMP m
constexpr X87Shape kCompare{2, 2, kAllCc};                // FCOM ST(i)
constexpr X87Shape kComparePop{2, 1, kAllCc};             // FCOMP ST(i)
constexpr X87Shape kComparePop2{2, 0, kAllCc};            // FCOMPP, FUCOMPP
constexpr X87Shape kCompareFlags{2, 2, 0, true};          // FCOMI: C1 kept unless a stack fault
constexpr X87Shape kCompareFlagsPop{2, 1, 0, true};       // FCOMIP
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
    if constexpr (StI) x87ExactStI<Esc, Modrm, S.eflags>(env, i);
    else x87Exact<Esc, Modrm, S.eflags>(env, nullptr, 0);
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

// Register-to-register moves need no arithmetic: done here, with the host
// taking over only when a register involved is empty or full (stack fault).
// They clear C1, as the hardware does.

// FLD ST(i): push a copy of ST(i).
template <uint8_t Esc, uint8_t Modrm>
struct FldStI {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    const unsigned i = env.modrm() & 7;
    if (stEmpty(f, int(i)) || !stEmpty(f, -1)) return x87ExactStI<Esc, Modrm, false>(env, i);
    const F80 v = stGet(f, int(i));
    stSet(f, -1, v);
    setTop(f, f.top - 1);
    setCc(f, fsw::C1, 0);
    x87NotePointers(env);
  }
};

// FST/FSTP ST(i) (and the reserved aliases of FSTP).
template <uint8_t Esc, uint8_t Modrm, bool Pop>
struct FstStI {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    const unsigned i = env.modrm() & 7;
    if (stEmpty(f, 0)) return x87ExactStI<Esc, Modrm, false>(env, i);
    stSet(f, int(i), stGet(f, 0));
    if (Pop) stPop(f);
    setCc(f, fsw::C1, 0);
    x87NotePointers(env);
  }
};

// FXCH ST(i) (and its reserved aliases).
template <uint8_t Esc, uint8_t Modrm>
struct FxchStI {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    const unsigned i = env.modrm() & 7;
    if (stEmpty(f, 0) || stEmpty(f, int(i))) return x87ExactStI<Esc, Modrm, false>(env, i);
    const F80 a = stGet(f, 0), b = stGet(f, int(i));
    stSet(f, 0, b);
    stSet(f, int(i), a);
    setCc(f, fsw::C1, 0);
    x87NotePointers(env);
  }
};

// FCMOVcc ST(0), ST(i). Condition codes are left alone.
enum class X87Cond : uint8_t { kB, kE, kBE, kU, kNB, kNE, kNBE, kNU };

template <uint8_t Esc, uint8_t Modrm, X87Cond C>
struct FcmovStI {
  static bool holds(uint32_t eflags) {
    const bool cf = eflags & fl::CF, zf = eflags & fl::ZF, pf = eflags & fl::PF;
    switch (C) {
      case X87Cond::kB: return cf;
      case X87Cond::kE: return zf;
      case X87Cond::kBE: return cf || zf;
      case X87Cond::kU: return pf;
      case X87Cond::kNB: return !cf;
      case X87Cond::kNE: return !zf;
      case X87Cond::kNBE: return !cf && !zf;
      case X87Cond::kNU: return !pf;
    }
    return false;
  }
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    const unsigned i = env.modrm() & 7;
    if (stEmpty(f, 0) || stEmpty(f, int(i))) return x87ExactStI<Esc, Modrm, false>(env, i);
    if (holds(env.eflags())) stSet(f, 0, stGet(f, int(i)));
    x87NotePointers(env);
  }
};

// FFREE ST(i); FFREEP ST(i) also pops.
template <bool Pop>
struct FfreeStI {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    stFree(f, int(env.modrm() & 7));
    if (Pop) stPop(f);
    setCc(f, fsw::C1, 0);
    x87NotePointers(env);
  }
};

// FINCSTP (+1) and FDECSTP (-1): rotate the stack, tags untouched.
template <int Delta>
struct StackRotate {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    FpuState& f = env.fpu();
    setTop(f, f.top + Delta);
    setCc(f, fsw::C1, 0);
    x87NotePointers(env);
  }
};

struct Fnop {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    x87NotePointers(env);
  }
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
