// The x87 control instructions: control and status words, environment and
// whole-state save/restore, initialisation. They do not change FIP/FDP/FOP.
#pragma once

#include <cstdint>

#include "vmm/cpu/X87Exec.h"

namespace tandem {

// The state after FNINIT (registers keep their contents, all empty).
inline void x87Init(FpuState& f) {
  f.cw = fcw::kInit;
  f.sw = 0;
  f.tw = 0xFFFF;
  f.top = 0;
  f.fop = 0;
  f.fip = 0;
  f.fdp = 0;
  f.fcs = 0;
  f.fds = 0;
}

template <class Env>
X87Layout x87LayoutFor(Env& env) {
  return X87Layout{env.op16(), env.realMode()};
}

struct Fldcw {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    uint16_t cw;
    env.loadBytes(&cw, 2);
    FpuState& f = env.fpu();
    f.cw = uint16_t((cw & fcw::kStored) | fcw::kFixed1);
    updateSummary(f);  // unmasking a raised exception makes it pending
  }
};

// FNSTCW m2 and FNSTSW m2.
template <uint16_t FpuState::*Word>
struct StoreWord {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    const uint16_t w = env.fpu().*Word;
    env.storeBytes(&w, 2);
  }
};

struct FnstswAx {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    env.setAx(env.fpu().sw);
  }
};

struct Fnclex {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    FpuState& f = env.fpu();
    f.sw &= uint16_t(~(fsw::kExceptions | fsw::SF | fsw::ES | fsw::B));
  }
};

struct Fninit {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    x87Init(env.fpu());
  }
};

// FENI, FDISI (8087 interrupt control) and FSETPM (80287 protected mode):
// no-ops since the 387.
struct FnopLegacy {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
  }
};

// FNSTENV (Whole false) stores the environment, then masks every
// exception; FNSAVE (Whole true) stores the whole state, then initialises
// the FPU.
template <bool Whole>
struct StoreImage {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    FpuState& f = env.fpu();
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    if (Whole)
      x87StoreState(f, layout, image);
    else
      x87StoreEnv(f, layout, image);
    env.storeBytes(image, Whole ? layout.saveSize() : layout.envSize());
    if (Whole) {
      x87Init(f);
    } else {
      f.cw |= fcw::kMasks;
      updateSummary(f);
    }
  }
};

// FLDENV (Whole false) and FRSTOR (Whole true).
template <bool Whole>
struct LoadImage {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    env.loadBytes(image, Whole ? layout.saveSize() : layout.envSize());
    if (Whole)
      x87LoadState(env.fpu(), layout, image);
    else
      x87LoadEnv(env.fpu(), layout, image);
  }
};

}  // namespace tandem
