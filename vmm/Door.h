// The door for nondeterminism: the one interface through which anything
// the guest can observe but the machine cannot compute from its own state
// enters the machine. The machine (vmm/) calls it; it is implemented
// outside vmm/: by a clock derived from icount (--clock=virtual), by the
// host's clock (--clock=host), by the recorder (which asks the host and logs
// the answer) and by the replayer (which answers from the log and checks
// that the question is asked at the recorded icount).
//
// Every call carries the icount at which the machine asks, so a replaying
// implementation can verify that it is asked at exactly the same point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "vmm/Types.h"

namespace tandem {

// Why the clock is read; recorded with the reading as a cross-check.
enum class ClockRead : uint8_t {
  kPoll = 0,  // the board's periodic poll for expired device deadlines
  kTsc = 1,   // RDTSC / TSC MSR
  kPit = 2,   // a PIT counter or output read
  kRtc = 3,   // an RTC/CMOS time read
  kIdle = 4,  // waking from HLT
  kSerial = 5,  // a UART restarting its receive timeout when the guest reads a byte
};

// "poll", "tsc", "pit", "rtc", "idle", "serial" ("?" for a value out of range).
inline const char* clockReadName(ClockRead why) {
  switch (why) {
    case ClockRead::kPoll: return "poll";
    case ClockRead::kTsc: return "tsc";
    case ClockRead::kPit: return "pit";
    case ClockRead::kRtc: return "rtc";
    case ClockRead::kIdle: return "idle";
    case ClockRead::kSerial: return "serial";
  }
  return "?";
}

class Door {
 public:
  virtual ~Door() = default;

  // Guest time in nanoseconds since power-on, as seen at icount `at`.
  // Never decreases.
  virtual uint64_t clockNs(Icount at, ClockRead why) = 0;

  // Wall-clock time of power-on, in seconds since the Unix epoch (the RTC's
  // starting point). Asked once.
  virtual int64_t bootEpochSeconds() = 0;

  // Bytes that arrived on the serial console's receive line. Called at
  // poll points; returns how many bytes were copied into `out`.
  virtual size_t serialInput(Icount at, uint8_t* out, size_t max) = 0;

  // The guest is halted until guest time `deadline_ns` (UINT64_MAX: no
  // deadline) unless input arrives first. A live clock waits on the host;
  // a virtual or replaying clock returns at once.
  virtual void idleUntil(Icount at, uint64_t deadline_ns) = 0;

  // For a clock derived from the instruction count: the first icount at
  // which clockNs() reaches `ns`, so the machine can run exactly up to a
  // device deadline. A clock that follows wall time returns nullopt and the
  // machine polls it at fixed instruction intervals instead.
  virtual std::optional<uint64_t> icountAtNs(uint64_t ns) const { return std::nullopt; }

  // Whether console input may still arrive (a halted guest with no timer
  // running can then still be woken).
  virtual bool inputPossible() const { return false; }
  // The rate guest time goes on at from the latest reading until the next
  // one that resynchronises it, in picoseconds per instruction: what a
  // recording logs so that its replay can compute the readings between.
  virtual uint32_t psPerInstruction() const { return 1000; }
  // The monitor held the guest still for `ns` of host time (a recording
  // waiting for its backup): a clock that follows the host's leaves that
  // time out, as a paused machine sees none.
  virtual void hostPaused(uint64_t ns) { (void)ns; }
};

}  // namespace tandem
