// The only ways the CPU core reaches the outside world. A board implements
// this interface; a test can implement it with nothing but flat memory.
// Guest RAM itself is handed to the CPU as a PhysMemory so that the fast
// path can use host pointers into it; everything else (MMIO, ports, time,
// interrupt acknowledge) goes through these calls.
#pragma once

#include <cstdint>

#include "vmm/Types.h"

namespace tandem {

class CpuBus {
 public:
  virtual ~CpuBus() = default;

  // Port I/O; `size` is 1, 2 or 4. Unmapped ports read all-ones.
  virtual uint32_t ioRead(uint16_t port, unsigned size) = 0;
  virtual void ioWrite(uint16_t port, unsigned size, uint32_t value) = 0;

  // Physical accesses that do not hit RAM; `size` is 1, 2 or 4 and the
  // access never crosses a page. Unmapped addresses read all-ones.
  virtual uint32_t mmioRead(GuestPhys addr, unsigned size) = 0;
  virtual void mmioWrite(GuestPhys addr, unsigned size, uint32_t value) = 0;

  // The time-stamp counter at the given point of execution (RDTSC and the
  // TSC MSR). This is a door for nondeterminism: the board answers it from
  // its clock, which either derives it from `now` or records a host reading.
  virtual uint64_t readTsc(Icount now) = 0;

  // Called when the CPU takes an external interrupt (INTR was asserted and
  // EFLAGS.IF allowed it); returns the vector (the PIC's acknowledge cycle).
  virtual uint8_t acknowledgeInterrupt() = 0;
};

}  // namespace tandem
