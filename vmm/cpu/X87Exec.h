// The steps every x87 instruction shares, written once over an "environment"
// type Env that gives the FPU what it needs from the rest of the CPU. Env
// provides:
//   FpuState& fpu();
//   uint32_t cr0();
//   uint8_t opcode(), modrm();       // escape byte D8-DF and ModRM
//   bool isMem();                     // ModRM names a memory operand
//   void loadBytes(void* out, unsigned n);         // the memory operand
//   void storeBytes(const void* in, unsigned n);   // all-or-nothing
//   uint32_t eflags(); void setArithFlags(uint32_t bits);
//   void setAx(uint16_t);
//   bool op16(); bool realMode();     // operand size; real or V86 mode
//   uint32_t insnOffset(); uint16_t codeSelector();
//   uint32_t operandOffset(); uint16_t operandSelector();
//   [[noreturn]] void raise(uint8_t vector);
// Order inside an instruction: checks that raise; every memory read; the
// computation; the memory write; only then the FPU state changes. A fault
// at any point before the last step leaves the guest's state untouched.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Exceptions.h"
#include "vmm/cpu/X87Host.h"
#include "vmm/cpu/X87Image.h"
#include "vmm/cpu/X87State.h"

namespace tandem {

// Device-not-available and pending-exception checks made before any x87
// instruction. Non-waiting instructions (FNINIT, FNCLEX, FNSTSW, FNSTCW,
// FNSTENV, FNSAVE and the 8087/287 leftovers) skip the second. With CR0.NE
// clear a pending exception is reported on FERR# instead (see Fpu.h) and
// the instruction goes ahead.
template <class Env>
inline void x87Begin(Env& env, bool waiting) {
  const uint32_t cr0v = env.cr0();
  if (cr0v & (cr0::EM | cr0::TS)) env.raise(kNM);
  if (waiting && (env.fpu().sw & fsw::ES) && (cr0v & cr0::NE)) env.raise(kMF);
}

// FIP/FCS/FOP, and FDP/FDS for a memory operand, name the last non-control
// instruction.
template <class Env>
inline void x87NotePointers(Env& env) {
  FpuState& f = env.fpu();
  f.fop = uint16_t((env.opcode() & 7) << 8 | env.modrm());
  f.fip = env.insnOffset();
  f.fcs = env.codeSelector();
  if (env.isMem()) {
    f.fdp = env.operandOffset();
    f.fds = env.operandSelector();
  }
}

// A store to memory happens unless an unmasked exception other than
// precision stops it (then the destination and the stack stay as they were).
inline bool x87StoreProceeds(uint16_t raised, uint16_t cw) {
  return (unmasked(raised, cw) & ~fsw::PE) == 0;
}

// The shape of an instruction for the fast path: how many stack values it
// reads (ST(0), then ST(i) or ST(1)) and leaves, which condition codes it
// defines, whether it sets EFLAGS (FCOMI family), which status bits after it
// call for the exact path, and whether it needs ordinary (valid-tagged)
// operands to take the fast path.
struct X87Shape {
  int in;
  int out;
  uint16_t cc;
  bool eflags = false;
  uint16_t irregular = fsw::ES;
  bool valid_only = false;
};

// Executes the instruction on the host with the whole register file. Exact
// for every case; used for stack faults, empty operands and unmasked
// exceptions. `mem` holds the memory operand (read or written by the host);
// `store_size` is non-zero for stores to memory.
template <uint8_t Esc, uint8_t Modrm, bool SetsEflags, class Env>
void x87Exact(Env& env, void* mem, unsigned store_size) {
  FpuState& f = env.fpu();
  alignas(16) uint8_t image[kHostImageSize];
  x87HostImage(f, image);
  uint8_t ah = eflagsToAh(env.eflags());
  x87HostRunImage<Esc, Modrm>(image, mem, ah);
  if (store_size && x87StoreProceeds(x87HostImageFlags(image), f.cw))
    env.storeBytes(mem, store_size);
  x87FromHostImage(f, image);
  if constexpr (SetsEflags) env.setArithFlags(ahToEflags(ah) & (fl::ZF | fl::PF | fl::CF));
  x87NotePointers(env);
}

// Dispatches x87Exact for a register form ST(i) by the runtime index i.
template <uint8_t Esc, uint8_t Base, bool SetsEflags, class Env>
void x87ExactStI(Env& env, unsigned i) {
  using Fn = void (*)(Env&, void*, unsigned);
  static constexpr auto table = []<size_t... I>(std::index_sequence<I...>) {
    return std::array<Fn, 8>{&x87Exact<Esc, uint8_t(Base + I), SetsEflags, Env>...};
  }
  (std::make_index_sequence<8>{});
  table[i & 7](env, nullptr, 0);
}

// Executes the instruction on the host with just its operands: ST(0) and
// ST(r) are loaded as the host's ST(0) and ST(1), so `Modrm` names ST(1)
// where the guest's names ST(i). Returns false, having changed nothing, when
// the fast path cannot give the exact answer: an operand register is empty,
// a push would overflow, or the host reported something irregular.
template <uint8_t Esc, uint8_t Modrm, X87Shape S, class Env>
bool x87Fast(Env& env, int r, const void* mem, unsigned store_size) {
  FpuState& f = env.fpu();
  const int slot[2] = {0, r};
  X87HostIo io;
  for (int s = 0; s < S.in; ++s) {
    const X87Tag tag = physTag(f, physReg(f, slot[s]));
    if (tag == kTagEmpty || (S.valid_only && tag != kTagValid)) return false;
    io.in[s] = stGet(f, slot[s]);
  }
  if (S.out > S.in && !stEmpty(f, -1)) return false;
  io.cw = f.cw;
  x87HostRun<Esc, Modrm, S.in, S.out, S.irregular>(io, mem);
  if (io.irregular) return false;
  if (store_size) env.storeBytes(mem, store_size);  // no unmasked exception here

  // Host ST(k) after is host ST(k - delta) before; negative: a pushed value.
  constexpr int delta = S.out - S.in;
  for (int k = 0; k < S.out; ++k) {
    const int s = k - delta;
    if (s < 0)
      stSet(f, s, io.out[k]);
    else if (!(io.out[k] == io.in[s]))
      stSet(f, slot[s], io.out[k]);
  }
  for (int s = 0; s < -delta; ++s) stFree(f, slot[s]);
  setTop(f, f.top - delta);
  setCc(f, S.cc, io.sw);
  raiseFlags(f, io.sw);
  if constexpr (S.eflags) env.setArithFlags(ahToEflags(io.ah) & (fl::ZF | fl::PF | fl::CF));
  x87NotePointers(env);
  return true;
}

}  // namespace tandem
