// The door for --clock=host: guest time follows the host's CLOCK_MONOTONIC
// since power-on (never decreasing), the power-on date is the host's real
// time, serial input is read without blocking from a file descriptor, and
// an idle wait really sleeps until the deadline or until input arrives.
//
// Guest time meets the host's at the board's polls and after idle waits;
// between them it goes on at the instruction rate measured over the latest
// polls (a ClockLine), so the guest's many time-stamp counter reads cost no
// host call and a recording logs only the meetings, not every read. A
// meeting moves guest time forward to the host's (or, when the guest ran
// ahead, keeps it and slows the rate): it never goes back.
#pragma once

#include <cstdint>

#include "logger/ClockLine.h"
#include "vmm/Door.h"

namespace tandem {

class HostClock final : public Door {
 public:
  // `input_fd`: where serial console input comes from, or -1 for none. The
  // descriptor is borrowed, not closed.
  explicit HostClock(int input_fd = -1);

  uint64_t clockNs(Icount at, ClockRead why) override;
  uint32_t psPerInstruction() const override { return line_.ps_per_insn; }
  void hostPaused(uint64_t ns) override { start_ns_ += ns; }
  int64_t bootEpochSeconds() override { return boot_epoch_; }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;

  // The input descriptor reached end of file (or failed): no more input.
  bool inputClosed() const { return input_closed_; }
  bool inputPossible() const override { return inputReadable(); }

 private:
  uint64_t monotonicNs() const;
  // Meets the host's time at `at` and sets the course on from there.
  uint64_t meet(Icount at, bool after_idle);
  bool inputReadable() const { return input_fd_ >= 0 && !input_closed_; }

  int input_fd_;
  bool input_closed_ = false;
  uint64_t start_ns_;
  ClockLine line_ = ClockLine::from(Icount(0), 0, 0);
  bool met_ = false;                // a meeting happened: line_ holds
  uint64_t window_icount_ = 0;      // where the rate's measuring window began
  uint64_t window_host_ns_ = 0;
  int64_t boot_epoch_;
};

}  // namespace tandem
