// The reference for x87 tests: the host processor executing the guest's
// instruction bytes itself on a whole saved state (FRSTOR, the instruction,
// FNSAVE), generated into an executable page at run time, so any encoding
// can be tried and any register file set up.
#pragma once

#include <cstdint>

namespace tandem::test {

class X87HostOracle {
 public:
  X87HostOracle();
  ~X87HostOracle();
  X87HostOracle(const X87HostOracle&) = delete;
  X87HostOracle& operator=(const X87HostOracle&) = delete;

  // Runs `esc modrm` with a memory operand (if any) at `mem` (ModRM must use
  // mod 0, rm 1: [rcx]). `image` is a 108-byte FNSAVE image, replaced by the
  // state afterwards; `ah` holds SF ZF AF PF CF in and out (SAHF/LAHF).
  // Returns false if the host rejected the encoding (SIGILL).
  bool run(uint8_t esc, uint8_t modrm, uint8_t* image, void* mem, uint8_t* ah);

 private:
  uint8_t* code_;
};

}  // namespace tandem::test
