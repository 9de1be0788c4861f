// One counter of the Intel 8254: modes 0-5, binary or BCD counting,
// lobyte/hibyte access, counter latch, status and the GATE input. The
// counter is not stepped tick by tick: its value and its OUT level are
// computed from the number of input-clock ticks elapsed since the current
// count was loaded, so any instant can be asked exactly and nothing drifts.
// PitChannel operates on a PitChannelState held by its owner (Pit8254).
#pragma once

#include <cstdint>

#include "vmm/devices/ClockTicks.h"
#include "vmm/devices/StateBlob.h"

namespace tandem {

constexpr uint64_t kPitHz = 1193182;  // input clock of every counter

// Input-clock ticks elapsed at guest time `ns`, and the first guest time at
// which `tick` ticks have elapsed.
inline uint64_t pitTicksAt(uint64_t ns) {
  return ticksAtNs(ns, kPitHz);
}
inline uint64_t pitNsAtTick(uint64_t tick) {
  return nsAtTicks(tick, kPitHz);
}

struct PitChannelState {
  uint64_t base_tick;     // tick at which `base_elapsed` ticks of the count had passed
  uint64_t base_elapsed;  // while not counting: the ticks counted so far, frozen
  uint64_t switch_tick;   // modes 2 and 3 with `pending`: when `count` replaces `reload`
  uint64_t edge_tick;     // rising edges of OUT up to this tick have been signalled
  uint32_t reload;        // the count the counting element works with, 1..65536
  uint32_t count;         // the count register (last count written), 1..65536
  uint16_t latch;         // latched counter value
  uint8_t mode;           // 0-5
  uint8_t access;         // 1 low byte, 2 high byte, 3 low then high
  uint8_t bcd;
  uint8_t gate;
  uint8_t loaded;      // the counting element holds a count (modes 1/5: triggered)
  uint8_t counting;    // the counting element is decrementing
  uint8_t pending;     // `count` waits to be loaded (end of period, or a trigger)
  uint8_t null_count;  // status bit 6: a count was written but is not loaded yet
  uint8_t latched;     // bytes of `latch` left to read: bit 0 low, bit 1 high
  uint8_t status_latched;
  uint8_t status;
  uint8_t read_high;   // access 3: the next read returns the high byte
  uint8_t write_high;  // access 3: the next write is the high byte
  uint8_t write_low;   // access 3: the low byte already written
};
static_assert(kIsPlainState<PitChannelState>);

class PitChannel {
 public:
  explicit PitChannel(PitChannelState& s) : s_(s) {}

  // Power-on: no count, OUT low, gate as given.
  static PitChannelState powerOn(bool gate);
  // Empty when the state is one a counter could be in, else what is wrong.
  static const char* checkState(const PitChannelState& s);

  // The control word for this channel (bits 5-0: access, mode, BCD; access
  // 0 is the counter latch command).
  void writeControl(uint8_t control, uint64_t tick);
  void writeCount(uint8_t byte, uint64_t tick);
  uint8_t readByte(uint64_t tick);
  // False when the next read returns latched bytes, so no time is needed.
  bool readNeedsTime() const;
  // Read-back command for this channel.
  void readBack(bool latch_count, bool latch_status, uint64_t tick);
  void setGate(bool high, uint64_t tick);

  bool out(uint64_t tick);
  // The first tick after `after` at which OUT rises, or UINT64_MAX.
  static uint64_t nextRisingEdge(const PitChannelState& s, uint64_t after);

 private:
  struct Phase {
    uint64_t elapsed;  // ticks counted by the count in use
    uint32_t reload;   // the count in use
  };
  static Phase phaseAt(const PitChannelState& s, uint64_t tick);
  Phase phaseAt(uint64_t tick) const { return phaseAt(s_, tick); }
  // Applies a count switch (modes 2 and 3) whose time has come.
  void settle(uint64_t tick);
  void latchCount(uint64_t tick);
  uint16_t counterValue(uint64_t tick) const;
  uint32_t modulus() const { return s_.bcd ? 10000 : 65536; }
  void startCounting(uint32_t reload, uint64_t tick);
  void load(uint64_t tick);

  PitChannelState& s_;
};

}  // namespace tandem
