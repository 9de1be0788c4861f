// The handler pointers of every instruction in Instructions.def.
#pragma once

#include <cstdint>

#include "vmm/cpu/Insn.h"

namespace tandem {
class Cpu;
}

namespace tandem {

struct InsnHandlers {
  Handler reg;  // register (or no ModRM) form
  Handler mem;  // memory form
};

const InsnHandlers& insnHandlers(uint16_t id);

// Threaded execution: each instruction of a block runs through a step that
// executes it and jumps directly to the next instruction's step; the last
// instruction's step returns. Cpu::runChain starts a block with
// threadedStep(first->step)(cpu, first).
using ThreadedStep = void (*)(Cpu&, const Insn*);
uint16_t threadedStepIndex(uint16_t id, bool mem, bool last);
ThreadedStep threadedStep(uint16_t index);

}  // namespace tandem
