// Decoding format bits used by Instructions.def.
#pragma once

#include <cstdint>

namespace tandem {

constexpr uint32_t F_M = 1u << 0;       // ModRM byte follows
constexpr uint32_t F_I8 = 1u << 1;      // imm8, zero-extended
constexpr uint32_t F_I8S = 1u << 2;     // imm8, sign-extended
constexpr uint32_t F_I16 = 1u << 3;     // imm16
constexpr uint32_t F_IZ = 1u << 4;      // imm16 or imm32 by operand size
constexpr uint32_t F_J8 = 1u << 5;      // rel8
constexpr uint32_t F_JZ = 1u << 6;      // rel16 or rel32 by operand size
constexpr uint32_t F_ENTER = 1u << 7;   // imm16 then imm8
constexpr uint32_t F_PTR = 1u << 8;     // far pointer: offset (16/32) then selector
constexpr uint32_t F_MOFF = 1u << 9;    // memory offset of address size
constexpr uint32_t F_ACC = 1u << 10;    // operand is the accumulator (rm = 0)
constexpr uint32_t F_ROP = 1u << 11;    // rm = opcode & 7 (a run of 8 opcodes)
constexpr uint32_t F_GOP = 1u << 12;    // reg = opcode & 7 (a run of 8 opcodes)
constexpr uint32_t F_CC = 1u << 13;     // cc = opcode & 15 (a run of 16 opcodes)
constexpr uint32_t F_END = 1u << 14;    // ends the decoded block
constexpr uint32_t F_LK = 1u << 15;     // LOCK allowed with a memory operand
constexpr uint32_t F_MREG = 1u << 16;   // ModRM always names registers (MOV CRn/DRn)
constexpr uint32_t F_STR = 1u << 17;    // string instruction (DS:ESI / ES:EDI)
constexpr uint32_t F_XLAT = 1u << 18;   // XLAT's implicit [EBX+AL]
constexpr uint32_t F_NEAR = 1u << 19;   // near branch: with F_END, the next block may be chained

}  // namespace tandem
