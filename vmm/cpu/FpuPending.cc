// Interim x87 entry points used until the x87 unit lands: every x87
// instruction raises #NM, as on a processor with CR0.EM set.
#include "vmm/cpu/Cpu.h"
#include "vmm/cpu/Fpu.h"

namespace tandem {

static void noFpu(Cpu& c, const Insn&) { c.raise(kNM); }

Handler fpuHandler(uint8_t, uint8_t) { return &noFpu; }

void FWAIT(Cpu& c, const Insn&) {}

void fpuInit(FpuState& f) {
  f = FpuState{};
  f.cw = 0x037F;
  f.tw = 0xFFFF;
}

}  // namespace tandem
