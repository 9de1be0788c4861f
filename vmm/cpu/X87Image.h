// The memory images of the x87 state: the environment FNSTENV stores and
// FLDENV loads (14 or 28 bytes) and the full state of FNSAVE/FRSTOR (the
// environment followed by ST(0)..ST(7), 94 or 108 bytes), in the four
// layouts the operand size and the mode select (Intel SDM vol. 1, 8.1.10).
#pragma once

#include <cstdint>

#include "vmm/cpu/CpuState.h"

namespace tandem {

struct X87Layout {
  bool op16;  // 16-bit operand size: 14-byte environment
  bool real;  // real-address or virtual-8086 mode: pointers as linear addresses

  unsigned envSize() const { return op16 ? 14 : 28; }
  unsigned saveSize() const { return envSize() + 80; }
};

constexpr unsigned kMaxSaveSize = 108;

// Full tag word computed from the register contents (empty stays empty).
uint16_t x87FullTagWord(const FpuState& f);

void x87StoreEnv(const FpuState& f, X87Layout layout, uint8_t* out);
// Loads CW, SW (and TOP), the empty/non-empty tags and the pointers.
void x87LoadEnv(FpuState& f, X87Layout layout, const uint8_t* in);

void x87StoreState(const FpuState& f, X87Layout layout, uint8_t* out);
void x87LoadState(FpuState& f, X87Layout layout, const uint8_t* in);

// The image handed to the host FPU for exact execution (32-bit protected
// layout, as FRSTOR/FNSAVE use it in 64-bit mode): the guest's registers,
// tags, TOP, condition codes and control word, with the exception flags,
// ES and B cleared so that the host starts with nothing pending.
void x87HostImage(const FpuState& f, uint8_t* out);
// Takes back what the host computed: registers, tags, TOP and condition
// codes; the flags the host raised are added to the guest's. Control word
// and pointers stay the guest's.
void x87FromHostImage(FpuState& f, const uint8_t* in);
// Exception flags (and SF) the host raised, from its saved image.
uint16_t x87HostImageFlags(const uint8_t* in);

}  // namespace tandem
