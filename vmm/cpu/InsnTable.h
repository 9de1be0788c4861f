// The handler pointers of every instruction in Instructions.def.
#pragma once

#include <cstdint>

#include "vmm/cpu/Insn.h"

namespace tandem {

struct InsnHandlers {
  Handler reg;  // register (or no ModRM) form
  Handler mem;  // memory form
};

const InsnHandlers& insnHandlers(uint16_t id);

}  // namespace tandem
