// A live machine as a gdb target: it accepts register and memory writes
// unless made read-only, and runs forward only unless given time travel
// (a deterministic machine: the virtual clock), which adds reverse step,
// reverse continue and `monitor seek`. With time travel, a write changes
// history from the current instant on: what followed is forgotten. A
// replayed bundle is served the same way: read-only, with time travel over
// the replay, and an end of history (the recorded failure), until `monitor
// diverge` leaves the recording: from that instant on the machine runs live
// and is writable (going back before it replays the recording again).
//
// How it stops where gdb asks: `continue` runs the machine in slices of
// `slice` instructions and looks for Ctrl-C between slices. Breakpoints
// and watchpoints are the CPU's own debugger support (Cpu::setBreakpoints,
// Cpu::setWatches): the CPU checks each block for breakpoints before it
// runs it (so a breakpoint on an interrupt handler's first instruction
// stops before the handler runs), and keeps watched pages out of its TLB so
// that every access to them is compared with the watches; a run stops
// right after the accessing instruction. Nothing is single-stepped.
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
#include <string>
#include <vector>

#include "replayer/TimeTravel.h"
#include "replayer/gdb/GdbTarget.h"
#include "replayer/gdb/RecordingControl.h"
#include "vmm/Machine.h"

namespace tandem::gdb {

struct LiveTargetOptions {
  bool allow_writes = true;
  // The last icount of the history (a replayed bundle's end): forward runs
  // stop there and report the end of the history.
  uint64_t end_icount = UINT64_MAX;
  // The recording replayed (`monitor events`, `monitor diverge`), if any.
  RecordingControl* recording = nullptr;
  // What `monitor help` calls the target.
  std::string what = "a live machine";
  // Instructions run between looks for Ctrl-C when nothing is watched.
  uint64_t slice = 1'000'000;
};

class LiveMachineTarget final : public GdbTarget {
 public:
  static constexpr size_t kMaxBreakpoints = 4096;
  static constexpr size_t kMaxWatchpoints = 64;

  // `time_travel` (may be null) drives `machine`.
  LiveMachineTarget(Machine& machine, LiveTargetOptions options, TimeTravel* time_travel = nullptr);
  ~LiveMachineTarget() override;
  LiveMachineTarget(const LiveMachineTarget&) = delete;
  LiveMachineTarget& operator=(const LiveMachineTarget&) = delete;

  I386Registers registers() override;
  Status writeRegisters(const I386Registers& regs) override;
  size_t readMemory(uint32_t address, std::span<uint8_t> out) override;
  Status writeMemory(uint32_t address, std::span<const uint8_t> data) override;
  Status readPhysical(uint64_t address, std::span<uint8_t> out) override;

  bool canReverse() const override { return time_travel_ != nullptr; }
  Result<StopEvent> resume(ResumeAction action, InterruptPoll& poll) override;

  Status insertBreakpoint(BreakKind kind, uint32_t address) override;
  Status removeBreakpoint(BreakKind kind, uint32_t address) override;
  Status insertWatchpoint(WatchKind kind, uint32_t address, uint32_t length) override;
  Status removeWatchpoint(WatchKind kind, uint32_t address, uint32_t length) override;
  void clearBreakpointsAndWatchpoints() override;

  Result<std::string> monitorIcount() override;
  Result<std::string> monitorSeek(uint64_t icount, InterruptPoll& poll) override;
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
  Machine& machine_;
  LiveTargetOptions options_;
  TimeTravel* time_travel_;
  std::vector<Breakpoint> breakpoints_;
  std::vector<Watchpoint> watchpoints_;
  std::optional<StopEvent> ended_;  // set once the machine can run no more

  // The stop a run that ended with `exit` makes, if any.
  std::optional<StopEvent> stopFor(MachineExit exit);
  StopEvent debugStop(const DebugStop& d);
  MachineExit runTo(uint64_t icount);
  // Where forward runs stop: the end of the recording while replaying it.
  uint64_t historyEnd() const;
  bool live() const { return options_.recording && options_.recording->live(); }
  Result<StopEvent> reverse(ResumeAction action, InterruptPoll& poll);
  // After a write: history from here on is new.
  void rewritten();
  StopEvent machineEnded(MachineExit exit);
  Status checkWritable() const;
  // Hands the lists to the CPU.
  void breakpointsChanged();
  void watchpointsChanged();
};

}  // namespace tandem::gdb
