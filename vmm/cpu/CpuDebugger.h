// A debugger attached to the CPU (gdb breakpoints and watchpoints on a
// live machine or a replay) decides where a run must stop:
// - before code: the CPU asks stopBefore() each time it is about to run
//   code from somewhere it did not simply fall or branch to within one
//   page (at the start of a run, after a jump to another page, after an
//   interrupt or exception is delivered). Within a page it runs on without
//   asking, so a debugger that stops whenever EIP enters a page holding a
//   breakpoint, and single-steps there, sees every instruction it cares
//   about.
// - after data accesses: the CPU keeps the pages a debugger watches out of
//   its TLB, so every access to them takes the slow path, which reports it;
//   the debugger may end the run after the accessing instruction.
// A run that stops for the debugger returns StopReason::kDebugger. Nothing
// here is visible to the guest or part of the CPU's state.
#pragma once

#include <cstdint>

namespace tandem {

enum class Access : uint8_t;

class CpuDebugger {
 public:
  virtual ~CpuDebugger() = default;
  // Before running code at `eip` (linear address `linear`) as described
  // above. True: end the run now, before that instruction.
  virtual bool stopBefore(uint32_t eip, uint32_t linear) = 0;
  // Whether accesses to the linear page that starts at `page` must be
  // reported.
  virtual bool watchesPage(uint32_t page) = 0;
  // A data access of `size` bytes at linear address `linear` (after its
  // translation succeeded, before the bytes move). Reported for every
  // access that reaches the slow path while a debugger is attached. True:
  // end the run once the accessing instruction (or, for a repeated string
  // instruction, this iteration) is done.
  virtual bool dataAccess(uint32_t linear, unsigned size, Access access) = 0;
};

}  // namespace tandem
