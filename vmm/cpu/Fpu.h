// The x87 floating-point unit: the decoder asks here for the handler of each
// escape instruction (D8-DF), and the CPU resets the FPU state through here.
#pragma once

#include <cstdint>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Insn.h"

namespace tandem {

// Handler for the x87 instruction with escape opcode `opcode` (0xD8-0xDF) and
// ModRM byte `modrm` (register form when modrm >= 0xC0). Invalid encodings
// get a handler that raises #UD.
Handler fpuHandler(uint8_t opcode, uint8_t modrm);

// WAIT/FWAIT (9B): #NM when CR0.MP and CR0.TS are set, then delivers any
// pending unmasked x87 exception.
void FWAIT(Cpu& cpu, const Insn& insn);

// The state after FNINIT (also the power-on state).
void fpuInit(FpuState& f);

}  // namespace tandem
