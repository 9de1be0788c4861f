// A test hook for the divergence detection: one bit flipped in the primary
// only, at an exact icount, as a transient hardware fault would.
#pragma once

#include <cstdint>
#include <string>

#include "vmm/Machine.h"
#include "vmm/Result.h"

namespace tandem::cli {

struct FaultInjection {
  uint64_t icount = 0;
  int reg = -1;           // EAX..EDI, or 8 for EIP; -1: memory
  uint64_t address = 0;   // physical, for memory
  unsigned bit = 0;       // 0..31 of a register, 0..7 of a byte
};

// "N:eax:3", "N:eip:0", "N:mem@0x100000:7".
Result<FaultInjection> parseFaultInjection(const std::string& text);

void applyFault(const FaultInjection& f, Machine& m);

}  // namespace tandem::cli
