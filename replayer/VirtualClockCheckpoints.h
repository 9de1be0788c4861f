// A virtual clock's state in checkpoints: the guest time it skipped while
// the guest was idle. Console input fed to the clock is not part of it, so
// time travel on a virtual clock is offered only where nothing feeds input
// (tandem gdb-live).
#pragma once

#include "logger/VirtualClock.h"
#include "replayer/CheckpointDoor.h"

namespace tandem {

class VirtualClockCheckpoints final : public CheckpointDoor {
 public:
  explicit VirtualClockCheckpoints(VirtualClock& clock) : clock_(clock) {}

  std::vector<uint8_t> saveDoorState() override;
  Status restoreDoorState(std::span<const uint8_t> state) override;

 private:
  VirtualClock& clock_;
};

}  // namespace tandem
