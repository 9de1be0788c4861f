// Time travel on a deterministic machine: the machine runs forward as
// usual while checkpoints are taken behind it (CheckpointStore), and going
// to any earlier instant means restoring the nearest checkpoint before it
// and running forward exactly to it (Machine::run stops at an exact icount).
// The machine must be a function of its state and its door's answers, with
// the door restored with each checkpoint: a virtual clock, or a door that
// replays a recording.
//
// Instants are instruction counts. Where run() stops on its own (a
// "canonical" stop: the budget ran out) is the instant at that icount; a
// debugger stop may stand later within the same icount (a breakpoint on an
// interrupt handler's first instruction, after the interrupt was
// delivered). Checkpoints are taken and passed at canonical stops only.
//
// Reverse continue finds the last debugger stop before the current
// instant: it runs the stretches between checkpoints again with the
// debugger's breakpoints and watches, latest stretch first, and goes to
// the last stop it saw. A breakpoint stops where it stopped going forward;
// a watch stops before the instruction that made the access, or before the
// interrupt delivery that did (gdb then shows the value going back to
// what it was).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "replayer/CheckpointStore.h"
#include "replayer/HistoryConsole.h"

namespace tandem {

struct TimeTravelOptions {
  uint64_t budget_bytes = 256ull << 20;
  // Instructions between checkpoints while running forward.
  uint64_t interval = 5'000'000;
  // A seek that runs further than this from its checkpoint leaves one this
  // far before its target, and new history keeps one at most this far
  // behind its end, so that stepping back is quick.
  uint64_t near = 1'000'000;
  // Instructions run between looks for an interrupt.
  uint64_t slice = 2'000'000;
};

// Why reverseContinue() stopped.
struct ReverseStop {
  enum class Kind : uint8_t {
    kDebug,         // at a breakpoint or watch (`debug` says which)
    kHistoryBegin,  // nothing earlier: at the start of history
    kInterrupted,   // asked to stop; somewhere before where it started
  };
  Kind kind = Kind::kHistoryBegin;
  DebugStop debug{};
};

class TimeTravel {
 public:
  // Asked between slices of work; true ends the work early.
  using Interrupted = std::function<bool()>;

  // History starts where the machine stands now: the first checkpoint is
  // taken here. `console` (may be null) is muted while history already
  // shown runs again.
  TimeTravel(Machine& machine, CheckpointDoor& door, HistoryConsole* console,
             TimeTravelOptions options);
  TimeTravel(const TimeTravel&) = delete;
  TimeTravel& operator=(const TimeTravel&) = delete;

  // The debugger's breakpoints and watches (as Cpu::setBreakpoints and
  // Cpu::setWatches take them), held here so that seeks run without them.
  void setBreakpoints(std::vector<uint32_t> linear);
  void setWatches(std::vector<DataWatch> watches);

  // Runs forward like Machine::run, with the debugger's stops, taking
  // checkpoints on the way.
  MachineExit run(uint64_t until_icount);
  // Goes to exactly `icount` (not before start()) without the debugger's
  // stops. Returns kLimit when there, kStopped when interrupted on the way,
  // or why the machine ended before it.
  MachineExit seek(uint64_t icount, const Interrupted& interrupted);
  ReverseStop reverseContinue(const Interrupted& interrupted);
  // Registers or memory were changed from outside the guest at the
  // current instant: the history that followed is gone.
  void rewrite();

  uint64_t now() const { return machine_.icount().value(); }
  uint64_t start() const { return store_.first(); }
  // The furthest icount the machine has run to.
  uint64_t frontier() const { return frontier_; }
  const CheckpointStore& checkpoints() const { return store_; }

 private:
  struct Event {
    uint64_t icount;   // where the CPU stopped
    uint32_t nth;      // 1 for the first stop at that icount, and so on
    DebugStop debug;
    // Where going back to the stop lands: at a breakpoint, or before the
    // access (the instruction that made it, or the delivery that pushed
    // an interrupt frame, which comes before the next instruction).
    uint64_t position() const { return debug.breakpoint || debug.delivery ? icount : icount - 1; }
  };

  Machine& machine_;
  CheckpointStore store_;
  HistoryConsole* console_;
  TimeTravelOptions options_;
  std::vector<uint32_t> breakpoints_;
  std::vector<DataWatch> watches_;
  uint64_t frontier_ = 0;
  bool canonical_ = true;  // the machine stands where a budget ended
  // Else it stands at the stop_nth_-th debugger stop at its icount (counted
  // from the instant at that icount: an interrupt's delivery and its
  // handler's first instruction come after it).
  uint32_t stop_nth_ = 0;

  // Runs forward to `until` (with whatever stops the CPU has set).
  MachineExit advance(uint64_t until);
  MachineExit advanceInSlices(uint64_t until, const Interrupted& interrupted);
  // At a canonical stop: takes, passes or jumps to a checkpoint here.
  void checkpointHere();
  uint64_t nextCheckpointAfter(uint64_t icount) const;
  // Closer than `interval` to the checkpoint before it.
  bool isRecent(uint64_t icount) const;
  void restore(uint64_t icount);
  void debuggerStops(bool on);
  // Runs [from the latest checkpoint before `end`, `end`) with the
  // debugger's stops and collects them, and with `through_nth`, on through
  // the first `through_nth` stops at `end` itself; returns where it started.
  uint64_t scan(uint64_t end, uint32_t through_nth, std::vector<Event>* events,
                const Interrupted& interrupted, bool* was_interrupted);
  void goTo(const Event& e);
};

}  // namespace tandem
