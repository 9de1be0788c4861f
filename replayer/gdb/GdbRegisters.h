// The register file gdb sees, in the order and sizes of its i386 core
// feature: eight general registers, EIP, EFLAGS, the six segment
// selectors, ST0-ST7 as 80-bit values and the eight x87 control registers.
// Register numbers in 'p'/'P' packets and the layout of 'g'/'G' follow
// this table; target.xml is written from it too.
//
// gdb's "segments" feature (FS and GS bases) is left out: gdb 13 numbers
// those registers past the end of a 32-bit register file without SSE and
// aborts on such a description.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vmm/cpu/CpuState.h"

namespace tandem::gdb {

struct I386Registers {
  uint32_t gpr[8];  // eax ecx edx ebx esp ebp esi edi
  uint32_t eip;
  uint32_t eflags;
  uint32_t seg[6];  // cs ss ds es fs gs (gdb's order, not the CPU's)
  uint8_t st[8][10];  // ST(0)..ST(7): 64-bit significand then sign+exponent
  uint32_t fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop;
  bool operator==(const I386Registers&) const = default;
};

struct RegisterInfo {
  const char* name;
  unsigned bits;
  const char* type;   // a gdb predefined type, or "i386_eflags"
  const char* group;  // nullptr: gdb's default for the type
  const char* feature;
};

constexpr unsigned kRegisterCount = 32;
constexpr unsigned kEipRegnum = 8;
constexpr unsigned kEspRegnum = 4;
constexpr unsigned kEbpRegnum = 5;
// Bytes of all registers, as 'g' carries them (twice as many hex digits).
constexpr unsigned kRegisterFileBytes = 16 * 4 + 8 * 10 + 8 * 4;

const RegisterInfo& registerInfo(unsigned regnum);

// One register's bytes, little-endian, `registerInfo(regnum).bits / 8` long.
std::span<const uint8_t> registerBytes(const I386Registers& regs, unsigned regnum,
                                       std::array<uint8_t, 10>& scratch);
// Sets one register from exactly its size in bytes; false on a bad size.
bool setRegisterBytes(I386Registers& regs, unsigned regnum, std::span<const uint8_t> bytes);

std::string encodeRegisters(const I386Registers& regs);
// Decodes a whole register file (as 'G' sends it); nullopt unless the
// text is exactly kRegisterFileBytes bytes of hex.
std::optional<I386Registers> decodeRegisters(std::string_view hex);

// The view of a CPU state (`s.eflags` materialised, as saveState gives it).
I386Registers registersFromCpu(const CpuState& s);
// Writes the registers gdb may change (general, EIP, the status and
// control bits of EFLAGS, x87) into `s`. Returns nullptr, or the name of a
// register that differs where it may not (selectors, which need
// descriptor loads, and the EFLAGS bits that switch modes); `s` is then
// unchanged.
const char* applyRegisters(const I386Registers& regs, CpuState& s);

}  // namespace tandem::gdb
