// What the board needs from every device: a name, a power-on reset, its
// state as a plain-data blob, and, for devices that keep time, the next
// instant (guest nanoseconds since power-on) at which they need to act.
//
// A device is a function of its state, the guest's accesses and the times
// it is given: it never reads host time. Port handlers that need the
// current time ask the board through a DeviceClock; the board drives timer
// devices by calling advance() once guest time reaches nextDeadlineNs()
// (a virtual clock runs the CPU exactly up to it; a host clock polls).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

constexpr uint64_t kNoDeadline = UINT64_MAX;

class Device {
 public:
  virtual ~Device() = default;

  // The key of this device's blob in a snapshot; stable across versions.
  virtual const char* name() const = 0;

  // Back to the power-on state. The machine resets every device at once, so
  // a reset signals nothing to other devices (the interrupt controller
  // assumes every line is low again).
  virtual void reset() = 0;

  // The device's state struct, byte for byte.
  virtual std::vector<uint8_t> saveState() const = 0;
  // Replaces the state with a blob from saveState(). A blob of the wrong
  // size or with values the device could never hold is refused, leaving the
  // device unchanged.
  virtual Status restoreState(std::span<const uint8_t> blob) = 0;

  // Guest time at which advance() must next be called, or kNoDeadline.
  virtual uint64_t nextDeadlineNs() const { return kNoDeadline; }
  // Guest time is now `now_ns`: raise the interrupts whose time has come.
  virtual void advance(uint64_t now_ns) {}
};

}  // namespace tandem
