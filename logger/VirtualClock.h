// The door for --clock=virtual: guest time is derived from the instruction
// count at a fixed rate, plus the time skipped while the guest was halted
// (an idle wait jumps straight to its deadline). Nothing comes from the
// host: the power-on date is a constant and serial input exists only when a
// caller feeds it, so two runs of the same guest are identical.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <type_traits>

#include "vmm/Door.h"

namespace tandem {

// What a machine snapshot keeps of the clock.
struct VirtualClockState {
  uint64_t idle_ns;  // guest time skipped by idle waits
};
static_assert(std::is_trivially_copyable_v<VirtualClockState>);

class VirtualClock final : public Door {
 public:
  static constexpr int64_t kDefaultBootEpoch = 1704067200;  // 2024-01-01 00:00:00 UTC

  // `ps_per_instruction`: guest picoseconds per retired instruction (1000:
  // one instruction per nanosecond, a 1 GHz machine); at least 1.
  explicit VirtualClock(uint64_t ps_per_instruction = 1000,
                        int64_t boot_epoch_seconds = kDefaultBootEpoch);

  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return boot_epoch_; }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override {
    return firstIcountAt(ns).value();
  }

  // The first instruction count at which clockNs() reaches `ns` (so a board
  // can run the CPU exactly up to a device deadline).
  Icount firstIcountAt(uint64_t ns) const;

  // Bytes the serial console will receive, in order, at the next reads.
  void feedInput(std::span<const uint8_t> bytes);
  size_t pendingInput() const { return input_.size(); }
  bool inputPossible() const override { return !input_.empty(); }
  uint32_t psPerInstruction() const override { return static_cast<uint32_t>(ps_per_instruction_); }

  VirtualClockState state() const { return s_; }
  void setState(const VirtualClockState& s) { s_ = s; }

 private:
  uint64_t instructionNs(Icount at) const;

  uint64_t ps_per_instruction_;
  int64_t boot_epoch_;
  VirtualClockState s_{};
  std::deque<uint8_t> input_;
};

}  // namespace tandem
