// The door's share of a checkpoint. Time travel puts a machine back to an
// earlier instant and runs it forward again; the door must then answer as
// it did the first time, so its state is saved and restored with the
// machine's. A virtual clock keeps a few words (VirtualClockCheckpoints); a
// door that replays a recording keeps its position in the event stream.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

class CheckpointDoor {
 public:
  virtual ~CheckpointDoor() = default;
  virtual std::vector<uint8_t> saveDoorState() = 0;
  // Takes back what saveDoorState() returned, or says why it cannot.
  virtual Status restoreDoorState(std::span<const uint8_t> state) = 0;
};

}  // namespace tandem
