// What the gdb stub debugs: a machine seen as one i386 thread. Two kinds
// implement it: a live machine (LiveMachineTarget), and a replayed bundle,
// which can also run backwards and refuses writes (replay would no longer
// be faithful).
//
// Addresses are guest linear addresses, read through the guest's page
// tables (gdb's "virtual" addresses: with the flat segments Linux uses,
// linear and virtual are the same). Breakpoints are kept by the target and
// hit when EIP reaches their address; nothing is written into guest
// memory. Watchpoints stop right after the instruction that accessed the
// watched range, as x86 data breakpoints do.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "replayer/gdb/GdbRegisters.h"
#include "vmm/Result.h"

namespace tandem::gdb {

// gdb's own signal numbers (they are not the host's).
namespace gdb_signal {
constexpr int kHup = 1, kInt = 2, kAbrt = 6, kTrap = 5, kSegv = 11, kStop = 17;
}

enum class BreakKind : uint8_t { kSoftware, kHardware };
enum class WatchKind : uint8_t { kWrite, kRead, kAccess };
enum class ResumeAction : uint8_t { kStep, kContinue, kReverseStep, kReverseContinue };

// Why the target stopped, as the stub reports it.
struct StopEvent {
  enum class Kind : uint8_t {
    kSignal,        // `signal` (SIGTRAP after a step, SIGINT after an interrupt)
    kBreakpoint,    // EIP reached a breakpoint of kind `breakpoint`
    kWatchpoint,    // an access of kind `watch` touched `watch_address`
    kHistoryBegin,  // a reverse run reached the start of the recorded history
    kHistoryEnd,    // a forward run reached the end of the recorded history
    kExited,        // the machine is gone (`exit_code`); nothing more runs
  };
  Kind kind = Kind::kSignal;
  int signal = gdb_signal::kTrap;
  BreakKind breakpoint = BreakKind::kSoftware;
  WatchKind watch = WatchKind::kWrite;
  uint32_t watch_address = 0;
  int exit_code = 0;
  // Shown on gdb's console before the stop (why the machine ended, say).
  std::string note;
};

// Lets a running target find out, between slices of work, that the client
// asked it to stop (Ctrl-C) or went away.
class InterruptPoll {
 public:
  virtual ~InterruptPoll() = default;
  virtual bool interruptRequested() = 0;
};

class GdbTarget {
 public:
  virtual ~GdbTarget() = default;

  virtual I386Registers registers() = 0;
  // Replaces the register file. A target that cannot (a replay) says why.
  virtual Status writeRegisters(const I386Registers& regs) = 0;

  // Reads linear memory; returns how many bytes from the start could be
  // read (fewer than asked where a page is not mapped or not RAM).
  virtual size_t readMemory(uint32_t address, std::span<uint8_t> out) = 0;
  virtual Status writeMemory(uint32_t address, std::span<const uint8_t> data) = 0;
  // Reads guest physical memory (for `monitor phys`); all or nothing.
  virtual Status readPhysical(uint64_t address, std::span<uint8_t> out) = 0;

  virtual bool canReverse() const = 0;
  // Runs as `action` says until something stops it; an error when the
  // action cannot run here at all (a reverse step on a live machine).
  virtual Result<StopEvent> resume(ResumeAction action, InterruptPoll& poll) = 0;

  virtual Status insertBreakpoint(BreakKind kind, uint32_t address) = 0;
  virtual Status removeBreakpoint(BreakKind kind, uint32_t address) = 0;
  virtual Status insertWatchpoint(WatchKind kind, uint32_t address, uint32_t length) = 0;
  virtual Status removeWatchpoint(WatchKind kind, uint32_t address, uint32_t length) = 0;
  // Drops every breakpoint and watchpoint (a client left without removing
  // its own; the next one starts with none).
  virtual void clearBreakpointsAndWatchpoints() = 0;

  // Monitor commands (see GdbMonitor). Each returns the text to show, or
  // why the command is not available on this target. gdb does not expect
  // a monitor command to move the target: after a seek, its cached
  // registers are stale until the next stop, which the text should say
  // (`maintenance flush register-cache` refreshes them).
  virtual Result<std::string> monitorIcount() = 0;
  virtual Result<std::string> monitorSeek(uint64_t icount, InterruptPoll& poll) = 0;
  virtual Result<std::string> monitorEvents(uint64_t count) = 0;
  virtual Result<std::string> monitorDigest() = 0;
  virtual Result<std::string> monitorDiverge() = 0;
  // A line that names the target, for `monitor help`.
  virtual std::string describe() = 0;
};

}  // namespace tandem::gdb
