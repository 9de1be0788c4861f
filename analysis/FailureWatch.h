// Runs a machine until its guest fails and says how, the way a monitor
// notices a failure from outside the guest:
//   panic         the kernel asks for a reset with "Kernel panic - not
//                 syncing" as its last words (the default guest boots with
//                 panic=-1, so a panic resets at once)
//   reset         a reset request without a panic in the kernel's log
//   triple fault  the CPU shut down
//   hang          interrupts disabled, and none delivered, for a watchdog
//                 period (counted in instructions, so the verdict is the
//                 same on every run of a recorded guest)
// A power-off, an idle machine or the icount limit is not a failure. The
// machine is left where the failure was noticed, for analysis/Diagnosis.h.
#pragma once

#include <cstdint>
#include <optional>

#include "logstore/tandem.pb.h"
#include "vmm/Machine.h"

namespace tandem {

struct WatchOutcome {
  MachineExit exit = MachineExit::kLimit;  // why the machine stopped (kStopped for a hang)
  std::optional<pb::FailureRecord> failure;  // kind, icount and message
};

class FailureWatch final : public MachineObserver {
 public:
  // One second at the virtual clock's rate.
  static constexpr uint64_t kDefaultHangInstructions = 1'000'000'000;
  // Instructions between looks at the interrupt flag.
  static constexpr uint64_t kCheckInterval = 5'000'000;

  // Becomes `machine`'s observer; interrupts are passed on to `next`.
  explicit FailureWatch(Machine& machine, uint64_t hang_instructions = kDefaultHangInstructions,
                        MachineObserver* next = nullptr);
  ~FailureWatch() override;
  FailureWatch(const FailureWatch&) = delete;
  FailureWatch& operator=(const FailureWatch&) = delete;

  WatchOutcome run(uint64_t max_icount);

  void onInterrupt(Icount at, uint32_t eip, uint8_t vector) override;

 private:
  pb::FailureRecord failure(pb::FailureKind kind, std::string message) const;
  // The "Kernel panic - not syncing" line the kernel logged last, if any.
  std::optional<std::string> panicLine() const;

  Machine& machine_;
  uint64_t hang_instructions_;
  MachineObserver* next_;
  bool interrupts_seen_ = false;
  uint64_t last_interrupt_ = 0;
  std::optional<uint64_t> if_off_since_;  // first of the consecutive checks that found IF clear
};

}  // namespace tandem
