// A replayed bundle's door in checkpoints: where the replay stands in the
// bundle's events, the replaying door's own position, and the failure
// detector's state (it watches the console and the clock, and is part of
// what a run through the bundle sees).
#pragma once

#include "replayer/BundleReplay.h"
#include "replayer/CheckpointDoor.h"

namespace tandem {

class BundleReplayCheckpoints final : public CheckpointDoor {
 public:
  explicit BundleReplayCheckpoints(BundleReplay& replay) : replay_(replay) {}

  std::vector<uint8_t> saveDoorState() override;
  Status restoreDoorState(std::span<const uint8_t> state) override;

 private:
  // Laid out first in the saved bytes; the detector's state follows.
  struct Header {
    uint64_t event_position;
    ReplayDoor::Position door;
  };
  static_assert(std::is_trivially_copyable_v<Header>);

  BundleReplay& replay_;
};

}  // namespace tandem
