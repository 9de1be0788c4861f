// The clock of a `tandem run`: a VirtualClock (--clock virtual) or a
// HostClock (--clock host), and what of it a saved machine keeps. A machine
// restored from a file continues its guest time where it was saved: the
// virtual clock gets its state back; the host clock is shifted so that the
// guest's time goes on from the saved instant instead of starting over.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "logger/HostClock.h"
#include "logger/VirtualClock.h"
#include "vmm/Door.h"
#include "vmm/Result.h"

namespace tandem::cli {

enum class ClockMode : uint32_t { kVirtual = 0, kHost = 1 };

const char* clockModeName(ClockMode mode);

// A clock as saved with a machine.
struct ClockSnapshot {
  ClockMode mode;
  uint32_t reserved;                // always 0
  uint64_t guest_ns;                // guest time at the instant saved
  VirtualClockState virtual_state;  // the virtual clock's state (mode kVirtual), else zero
};
static_assert(std::is_trivially_copyable_v<ClockSnapshot> &&
              std::has_unique_object_representations_v<ClockSnapshot>);

class RunClock final : public Door {
 public:
  // `input_fd`: where a host clock reads console input (-1: none). A
  // virtual clock takes input only through feedInput().
  RunClock(ClockMode mode, int input_fd);

  ClockMode mode() const { return mode_; }
  // Virtual clock only: bytes the guest receives next.
  void feedInput(std::span<const uint8_t> bytes);

  ClockSnapshot save(Icount at);
  // Continues the saved timeline from icount `at` (the restored machine's).
  Status restore(const ClockSnapshot& s, Icount at);

  // Door.
  uint64_t clockNs(Icount at, ClockRead why) override;
  int64_t bootEpochSeconds() override { return inner().bootEpochSeconds(); }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override {
    size_t n = inner().serialInput(at, out, max);
    input_delivered_ += n;
    return n;
  }
  // Bytes of console input handed to the machine (or to a gate before it).
  uint64_t inputDelivered() const { return input_delivered_; }
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override;
  bool inputPossible() const override { return inner().inputPossible(); }
  uint32_t psPerInstruction() const override { return inner().psPerInstruction(); }
  void hostPaused(uint64_t ns) override { inner().hostPaused(ns); }

 private:
  Door& inner() { return virtual_ ? static_cast<Door&>(*virtual_) : *host_; }
  const Door& inner() const { return virtual_ ? static_cast<const Door&>(*virtual_) : *host_; }

  ClockMode mode_;
  std::unique_ptr<VirtualClock> virtual_;
  std::unique_ptr<HostClock> host_;
  // Added to the host clock's reading after a restore.
  uint64_t shift_ns_ = 0;
  uint64_t input_delivered_ = 0;
};

}  // namespace tandem::cli
