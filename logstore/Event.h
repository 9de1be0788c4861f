// The events a bundle stores: every nondeterministic input the recorded
// guest saw, placed by icount with EIP as a cross-check (the way rr places
// signals by ticks and ip). The recorder (logger/) produces them through the
// door (vmm/Door.h); the replayer consumes them in the same order.
//
// On disk (logstore/tandem.proto, message Event) events travel in chunks,
// each icount stored as the difference to the previous event's, so a long
// run of clock reads costs a few bytes per event before compression.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "vmm/Door.h"
#include "vmm/Types.h"

namespace tandem {

// A clock reading the guest observed (RDTSC, PIT/RTC reads, polls, wakeups).
struct ClockReadingEvent {
  ClockRead reason = ClockRead::kPoll;
  uint64_t value_ns = 0;  // guest time returned, ns since power-on
  // How guest time goes on from this reading until the next logged one, in
  // picoseconds per instruction; 0 means 1000 (one nanosecond each).
  uint32_t ps_per_insn = 0;
  bool operator==(const ClockReadingEvent&) const = default;
};

// Bytes received on the serial console (1 .. kMaxSerialInputBytes).
struct SerialInputEvent {
  std::vector<uint8_t> data;
  bool operator==(const SerialInputEvent&) const = default;
};

// An ISA interrupt line raised (0 .. 15).
struct InterruptRaiseEvent {
  uint8_t irq = 0;
  bool operator==(const InterruptRaiseEvent&) const = default;
};

// An interrupt vector delivered to the CPU (0 .. 255).
struct InterruptDeliveryEvent {
  uint8_t vector = 0;
  bool operator==(const InterruptDeliveryEvent&) const = default;
};

// A periodic digest of registers + memory + devices, compared by replay.
struct MachineDigestEvent {
  std::vector<uint8_t> sha256;  // 32 bytes
  bool operator==(const MachineDigestEvent&) const = default;
};

// An event of a kind added by a newer minor format version. It is read
// (so a bundle can be listed and verified) but cannot be replayed.
struct UnknownEvent {
  bool operator==(const UnknownEvent&) const = default;
};

using EventBody = std::variant<ClockReadingEvent, SerialInputEvent, InterruptRaiseEvent,
                               InterruptDeliveryEvent, MachineDigestEvent, UnknownEvent>;

struct Event {
  Icount icount;     // instructions retired when the event was taken
  uint32_t eip = 0;  // guest EIP at that point
  EventBody body;
  bool operator==(const Event&) const = default;
};

}  // namespace tandem
