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

struct Fnstcw {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    const uint16_t cw = env.fpu().cw;
    env.storeBytes(&cw, 2);
  }
};

struct FnstswMem {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    const uint16_t sw = env.fpu().sw;
    env.storeBytes(&sw, 2);
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

// FNSTENV stores the environment, then masks every exception.
struct Fnstenv {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    FpuState& f = env.fpu();
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    x87StoreEnv(f, layout, image);
    env.storeBytes(image, layout.envSize());
    f.cw |= fcw::kMasks;
    updateSummary(f);
  }
};

struct Fldenv {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    env.loadBytes(image, layout.envSize());
    x87LoadEnv(env.fpu(), layout, image);
  }
};

// FNSAVE stores the whole state, then initialises the FPU.
struct Fnsave {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, false);
    FpuState& f = env.fpu();
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    x87StoreState(f, layout, image);
    env.storeBytes(image, layout.saveSize());
    x87Init(f);
  }
};

struct Frstor {
  template <class Env>
  static void run(Env& env) {
    x87Begin(env, true);
    const X87Layout layout = x87LayoutFor(env);
    uint8_t image[kMaxSaveSize];
    env.loadBytes(image, layout.saveSize());
    x87LoadState(env.fpu(), layout, image);
  }
};

}  // namespace tandem
