// The x87 floating-point unit: the decoder asks here for the handler of each
// escape instruction (D8-DF), and the CPU resets the FPU state through here.
//
// Unmasked x87 exceptions are reported at the next waiting x87 instruction
// (or WAIT): as #MF when CR0.NE is set. When CR0.NE is clear the PC's
// legacy path applies instead: the FPU asserts its FERR# output, which the
// board routes to IRQ 13, and the waiting instruction goes ahead as if
// IGNNE# were asserted; the guest's IRQ 13 handler clears the exception
// (FNCLEX/FNINIT), which deasserts FERR#. The board reads the pin with
// fpuFerrAsserted() at its interrupt poll points.
#pragma once

#include <cstdint>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Insn.h"

namespace tandem {

// Handler for the x87 instruction with escape opcode `opcode` (0xD8-0xDF) and
// ModRM byte `modrm` (register form when modrm >= 0xC0). Invalid encodings
// get a handler that raises #UD.
Handler fpuHandler(uint8_t opcode, uint8_t modrm);

// The instruction's name in Intel operand notation ("FADD_m32fp",
// "FSTP1_STi"), "(bad)" for an invalid encoding.
const char* fpuMnemonic(uint8_t opcode, uint8_t modrm);

// WAIT/FWAIT (9B): #NM when CR0.MP and CR0.TS are set, then delivers any
// pending unmasked x87 exception.
void FWAIT(Cpu& cpu, const Insn& insn);

// The state after FNINIT (also the power-on state).
void fpuInit(FpuState& f);

// The FERR# output with CR0.NE clear: an unmasked exception is pending.
bool fpuFerrAsserted(const CpuState& s);

}  // namespace tandem
