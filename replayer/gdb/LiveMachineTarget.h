// A live machine as a gdb target: it runs forward only, and accepts
// register and memory writes unless made read-only.
//
// How it stops where gdb asks:
// - With no breakpoint or watchpoint set, `continue` runs the machine in
//   slices of `slice` instructions and looks for Ctrl-C between slices.
// - With any set, it runs one instruction at a time (about 2.5 million a
//   second on the development machine, against some 60 million running
//   freely) and after each one checks EIP against the breakpoints.
// - Watchpoints are exact: the target attaches itself to the CPU as a
//   CpuDebugger, so every data access to a watched page is reported to it;
//   the step in which an access overlaps a watched range of the matching
//   kind ends with a watchpoint stop, EIP after the accessing instruction.
// Stepping counts instructions retired, as icount does: a step that
// delivers an interrupt or exception also runs the handler's first
// instruction.
//
// When the machine ends (power-off, reset request, triple fault, or a halt
// nothing can wake), power-off is reported as the process exiting;
// the others stop with a signal and keep the state to inspect, and every
// later resume reports the same end again.
#pragma once

#include <optional>
#include <vector>

#include "replayer/gdb/GdbTarget.h"
#include "vmm/Machine.h"

namespace tandem::gdb {

struct LiveTargetOptions {
  bool allow_writes = true;
  // Instructions run between looks for Ctrl-C when nothing is watched.
  uint64_t slice = 1'000'000;
  // Single steps between looks for Ctrl-C while stepping.
  uint64_t steps_per_poll = 65536;
};

class LiveMachineTarget final : public GdbTarget, private CpuDebugger {
 public:
  static constexpr size_t kMaxBreakpoints = 4096;
  static constexpr size_t kMaxWatchpoints = 64;

  LiveMachineTarget(Machine& machine, LiveTargetOptions options);
  ~LiveMachineTarget() override;
  LiveMachineTarget(const LiveMachineTarget&) = delete;
  LiveMachineTarget& operator=(const LiveMachineTarget&) = delete;

  I386Registers registers() override;
  Status writeRegisters(const I386Registers& regs) override;
  size_t readMemory(uint32_t address, std::span<uint8_t> out) override;
  Status writeMemory(uint32_t address, std::span<const uint8_t> data) override;
  Status readPhysical(uint64_t address, std::span<uint8_t> out) override;

  bool canReverse() const override { return false; }
  Result<StopEvent> resume(ResumeAction action, InterruptPoll& poll) override;

  Status insertBreakpoint(BreakKind kind, uint32_t address) override;
  Status removeBreakpoint(BreakKind kind, uint32_t address) override;
  Status insertWatchpoint(WatchKind kind, uint32_t address, uint32_t length) override;
  Status removeWatchpoint(WatchKind kind, uint32_t address, uint32_t length) override;

  Result<std::string> monitorIcount() override;
  Result<std::string> monitorSeek(uint64_t icount) override;
  Result<std::string> monitorEvents(uint64_t count) override;
  Result<std::string> monitorDigest() override;
  Result<std::string> monitorDiverge() override;
  std::string describe() override;

 private:
  struct Breakpoint {
    uint32_t address;
    BreakKind kind;
  };
  struct Watchpoint {
    uint32_t address;
    uint32_t length;
    WatchKind kind;
  };
  struct WatchHit {
    WatchKind kind;
    uint32_t address;
  };

  Machine& machine_;
  LiveTargetOptions options_;
  std::vector<Breakpoint> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  std::optional<WatchHit> hit_;       // the first watched access of the current step
  std::optional<StopEvent> ended_;    // set once the machine can run no more

  // CpuDebugger.
  bool watchesPage(uint32_t page) override;
  void dataAccess(uint32_t linear, unsigned size, Access access) override;

  // Runs one instruction; a stop event when that ended the run.
  std::optional<StopEvent> step();
  StopEvent machineEnded(MachineExit exit);
  const Breakpoint* breakpointAt(uint32_t eip) const;
  Status checkWritable() const;
  void watchesChanged();
};

}  // namespace tandem::gdb
