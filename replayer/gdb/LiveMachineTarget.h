// A live machine as a gdb target: it runs forward only, and accepts
// register and memory writes unless made read-only.
//
// How it stops where gdb asks: `continue` runs the machine in slices of
// `slice` instructions and looks for Ctrl-C between slices. While any
// breakpoint or watchpoint is set, the target is attached to the CPU as a
// CpuDebugger:
// - Breakpoints: the CPU stops before running code from a page that holds
//   a breakpoint; there the target runs one instruction at a time (about
//   2.5 million a second on the development machine, against some 60
//   million freely) and stops when EIP reaches a breakpoint, including the
//   first instruction of an interrupt or exception handler. Code elsewhere
//   runs at full speed.
// - Watchpoints are exact: every data access to a watched page is reported
//   to the target, and one that overlaps a watched range of the matching
//   kind ends the run right after the accessing instruction.
// A step retires one instruction, as icount counts them; when it delivers
// an interrupt or exception first, it also runs the handler's first
// instruction, unless a breakpoint sits there.
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
  // Single steps (or stops) between looks for Ctrl-C while stepping.
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
  void clearBreakpointsAndWatchpoints() override;

  Result<std::string> monitorIcount() override;
  Result<std::string> monitorSeek(uint64_t icount) override;
  Result<std::string> monitorEvents(uint64_t count) override;
  Result<std::string> monitorDigest() override;
  Result<std::string> monitorDiverge() override;
  std::string describe() override;

  // Instructions run one at a time so far (near breakpoints, and steps).
  uint64_t singleSteps() const { return single_steps_; }

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

  // How the CPU is being run, which decides what stopBefore answers.
  enum class Mode : uint8_t { kIdle, kStepping, kRunning };

  Machine& machine_;
  LiveTargetOptions options_;
  std::vector<Breakpoint> breakpoints_;
  std::vector<uint32_t> break_addresses_;  // sorted, for the page checks
  std::vector<Watchpoint> watchpoints_;
  std::optional<WatchHit> hit_;     // the first watched access of the current run
  std::optional<StopEvent> ended_;  // set once the machine can run no more
  Mode mode_ = Mode::kIdle;
  uint64_t step_icount_ = 0;  // where the current single step started
  uint32_t step_eip_ = 0;
  uint64_t single_steps_ = 0;

  // CpuDebugger.
  bool stopBefore(uint32_t eip, uint32_t linear) override;
  bool watchesPage(uint32_t page) override;
  bool dataAccess(uint32_t linear, unsigned size, Access access) override;

  // Runs one instruction, or `slice` of them, in `mode`.
  MachineExit runIn(Mode mode, uint64_t instructions);
  // The stop a finished step or slice makes, if any.
  std::optional<StopEvent> stopAfter(MachineExit exit);
  Result<StopEvent> continueWatched(InterruptPoll& poll);
  StopEvent machineEnded(MachineExit exit);
  const Breakpoint* breakpointAt(uint32_t eip) const;
  // Whether code reachable from `eip` without leaving its linear page may
  // hold a breakpoint.
  bool nearBreakpoint(uint32_t eip, uint32_t linear) const;
  uint32_t linearEip() const;
  Status checkWritable() const;
  void debuggerChanged();
};

}  // namespace tandem::gdb
