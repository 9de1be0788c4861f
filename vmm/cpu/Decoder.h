// Instruction decoding: bytes to a decoded Insn, driven by the table in
// Instructions.def.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vmm/cpu/Insn.h"

namespace tandem {

enum class InsnId : uint16_t {
  kInvalid = 0,
#define X(id, ...) id,
#include "vmm/cpu/Instructions.def"
#undef X
  kX87,  // an x87 escape (D8-DF), handled by fpuHandler
  kCount
};

enum class DecodeStatus {
  kOk,
  kNeedMore,  // the instruction continues past the bytes given
  kInvalid,   // #UD
  kTooLong,   // longer than 15 bytes: #GP(0)
};

// Decodes one instruction from `bytes` (`avail` of them readable) in a code
// segment whose default operand/address size is 32 bits when `code32`.
DecodeStatus decodeInsn(const uint8_t* bytes, size_t avail, bool code32, Insn* out);

// The mnemonic for a decoded instruction (for traces and `replay --to`).
const char* insnMnemonic(const Insn& insn);

}  // namespace tandem
