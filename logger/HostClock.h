// The door for --clock=host: guest time follows the host's CLOCK_MONOTONIC
// since power-on (never decreasing), the power-on date is the host's real
// time, serial input is read without blocking from a file descriptor, and
// an idle wait really sleeps until the deadline or until input arrives.
#pragma once

#include <cstdint>

#include "vmm/Door.h"

namespace tandem {

class HostClock final : public Door {
 public:
  // `input_fd`: where serial console input comes from, or -1 for none. The
  // descriptor is borrowed, not closed.
  explicit HostClock(int input_fd = -1);

  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return boot_epoch_; }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;

  // The input descriptor reached end of file (or failed): no more input.
  bool inputClosed() const { return input_closed_; }
  bool inputPossible() const override { return inputReadable(); }

 private:
  uint64_t monotonicNs() const;
  bool inputReadable() const { return input_fd_ >= 0 && !input_closed_; }

  int input_fd_;
  bool input_closed_ = false;
  uint64_t start_ns_;
  uint64_t last_ns_ = 0;
  int64_t boot_epoch_;
};

}  // namespace tandem
