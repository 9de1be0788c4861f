// Where a device handling a guest access gets the current guest time. The
// board answers from the door (Door::clockNs at the current icount), so a
// device never reads host time and every reading can be recorded.
#pragma once

#include <cstdint>

#include "vmm/Door.h"

namespace tandem {

class DeviceClock {
 public:
  virtual ~DeviceClock() = default;
  // Guest nanoseconds since power-on; never decreases.
  virtual uint64_t nowNs(ClockRead why) = 0;
};

}  // namespace tandem
