// A debugger's view of the CPU's data accesses (gdb watchpoints on a live
// machine or a replay). The CPU keeps the pages a debugger watches out of
// its TLB, so every access to them takes the slow path, which reports it.
// Nothing here is visible to the guest or part of the CPU's state.
#pragma once

#include <cstdint>

namespace tandem {

enum class Access : uint8_t;

class CpuDebugger {
 public:
  virtual ~CpuDebugger() = default;
  // Whether accesses to the linear page that starts at `page` must be
  // reported.
  virtual bool watchesPage(uint32_t page) = 0;
  // A data access of `size` bytes at linear address `linear` (after its
  // translation succeeded, before the bytes move). Reported for every
  // access that reaches the slow path while a debugger is attached.
  virtual void dataAccess(uint32_t linear, unsigned size, Access access) = 0;
};

}  // namespace tandem
