// A decoded instruction: everything the handler needs, computed once at
// decode time and kept in the block cache.
#pragma once

#include <cstdint>

namespace tandem {

class Cpu;
struct Insn;
using Handler = void (*)(Cpu&, const Insn&);

namespace insn_flags {
constexpr uint16_t kOp16 = 1u << 0;      // operand size is 16 bits (else 32)
constexpr uint16_t kAddr16 = 1u << 1;    // address size is 16 bits (else 32)
constexpr uint16_t kRep = 1u << 2;       // F3 prefix
constexpr uint16_t kRepne = 1u << 3;     // F2 prefix
constexpr uint16_t kLock = 1u << 4;      // F0 prefix
constexpr uint16_t kMem = 1u << 5;       // the ModRM operand is memory
constexpr uint16_t kSegOverride = 1u << 6;
constexpr uint16_t kEndsBlock = 1u << 7;  // control flow or machine-state change follows
constexpr uint16_t kChainable = 1u << 8;  // a near branch: the next block may follow directly
}  // namespace insn_flags

struct Insn {
  Handler fn;
  uint32_t disp;   // address displacement (sign-extended), or moffs
  uint32_t imm;    // first immediate, sign- or zero-extended as the instruction defines
  uint16_t imm2;   // second immediate: ENTER's nesting level, far pointer selector
  uint16_t id;     // InsnId, for mnemonics and diagnostics
  uint16_t flags;  // insn_flags
  uint8_t len;     // length in bytes, prefixes included
  uint8_t opcode;  // last opcode byte
  uint8_t modrm;
  uint8_t reg;     // ModRM.reg, or the register in the opcode's low bits
  uint8_t rm;      // ModRM.rm register when the operand is a register
  uint8_t base;    // address base register, 8 for none
  uint8_t index;   // address index register, 8 for none
  uint8_t scale;   // index shift, 0..3
  uint8_t seg;     // segment of the memory operand (SegReg)
  uint8_t cc;      // condition code for Jcc/SETcc/CMOVcc
  uint16_t offset;  // start of the instruction, in bytes from the start of its block
  uint16_t step;    // threaded step (InsnTable.h), set when the block is built
  uint8_t pad[4];   // always zero

  bool op16() const { return flags & insn_flags::kOp16; }
  bool addr16() const { return flags & insn_flags::kAddr16; }
  bool isMem() const { return flags & insn_flags::kMem; }
  bool rep() const { return flags & insn_flags::kRep; }
  bool repne() const { return flags & insn_flags::kRepne; }
};

}  // namespace tandem
