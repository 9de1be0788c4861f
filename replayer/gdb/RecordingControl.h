// What a target that replays a recording offers beyond its machine: the
// recorded events still ahead of it (`monitor events`), and leaving the
// recording to run live from the current instant (`monitor diverge`).
#pragma once

#include <cstdint>
#include <string>

#include "vmm/Result.h"

namespace tandem::gdb {

class RecordingControl {
 public:
  virtual ~RecordingControl() = default;
  // The next `count` events the replay will consume, one line each.
  virtual std::string nextEvents(uint64_t count) = 0;
  // From the current instant on, the machine runs live, not from the
  // recording.
  virtual void goLive() = 0;
  // Whether the machine, where it stands, runs live.
  virtual bool live() const = 0;
};

}  // namespace tandem::gdb
