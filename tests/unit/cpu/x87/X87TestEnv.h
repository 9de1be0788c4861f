// An x87 environment without a CPU, for unit tests: a flat memory operand
// at offset 0, the arithmetic flags, AX and CR0 as plain fields. Guest
// exceptions are thrown as GuestException, as the real CPU does.
#pragma once

#include <cstdint>
#include <cstring>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/Exceptions.h"
#include "vmm/cpu/X87Decode.h"

namespace tandem::test {

struct X87TestEnv {
  FpuState f{};
  alignas(16) uint8_t mem[128]{};
  uint32_t flags = 0;  // CF, PF, ZF as in EFLAGS
  uint16_t ax = 0;
  uint32_t cr0v = cr0::PE | cr0::ET | cr0::NE;
  uint8_t esc = 0xD8;
  uint8_t rm_byte = 0xC0;
  bool op16_ = false;
  bool real_ = false;
  // Where the instruction and its operand are, for FIP/FDP.
  uint32_t insn_offset = 0x1000;
  uint16_t cs = 0x23;
  uint32_t operand_offset = 0x2000;
  uint16_t ds = 0x2B;

  FpuState& fpu() { return f; }
  uint32_t cr0() const { return cr0v; }
  uint8_t opcode() const { return esc; }
  uint8_t modrm() const { return rm_byte; }
  bool isMem() const { return rm_byte < 0xC0; }
  bool op16() const { return op16_; }
  bool realMode() const { return real_; }
  void loadBytes(void* out, unsigned n) { std::memcpy(out, mem, n); }
  void storeBytes(const void* in, unsigned n) { std::memcpy(mem, in, n); }
  uint32_t eflags() const { return flags; }
  void setArithFlags(uint32_t bits) { flags = bits & fl::kArith; }
  void setAx(uint16_t v) { ax = v; }
  uint32_t insnOffset() const { return insn_offset; }
  uint16_t codeSelector() const { return cs; }
  uint32_t operandOffset() const { return operand_offset; }
  uint16_t operandSelector() const { return ds; }
  [[noreturn]] void raise(uint8_t vector) { throw GuestException{vector, false, 0}; }
};

using X87TestFn = void (*)(X87TestEnv&);

struct X87TestBind {
  using Result = X87TestFn;
  template <class Kind>
  static X87TestFn of(const char*) {
    return &Kind::template run<X87TestEnv>;
  }
};

// Decodes and runs one instruction; returns the vector of the guest
// exception it raised, or -1.
inline int runX87(X87TestEnv& env, uint8_t esc, uint8_t modrm) {
  env.esc = esc;
  env.rm_byte = modrm;
  try {
    x87Decode<X87TestBind>(esc, modrm)(env);
  } catch (const GuestException& e) {
    return e.vector;
  }
  return -1;
}

}  // namespace tandem::test
