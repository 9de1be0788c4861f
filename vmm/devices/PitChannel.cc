#include "vmm/devices/PitChannel.h"

#include <algorithm>

namespace tandem {
namespace {

uint16_t toBcd(uint32_t v) {
  return static_cast<uint16_t>((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
                               v % 10);
}

uint32_t fromBcd(uint32_t v) {
  return (v >> 12 & 0xF) * 1000 + (v >> 8 & 0xF) * 100 + (v >> 4 & 0xF) * 10 + (v & 0xF);
}

bool periodic(uint8_t mode) {
  return mode == 2 || mode == 3;
}

}  // namespace

PitChannelState PitChannel::powerOn(bool gate) {
  PitChannelState s{};
  s.access = 3;
  s.gate = gate;
  return s;
}

const char* PitChannel::checkState(const PitChannelState& s) {
  if (s.mode > 5) return "mode above 5";
  if (s.access < 1 || s.access > 3) return "bad access mode";
  if (s.reload > 65536 || s.count > 65536) return "count above 65536";
  if (s.loaded && s.reload == 0) return "loaded without a count";
  if (s.pending && s.count == 0) return "pending without a count";
  if (s.latched > 3) return "bad latch state";
  if ((s.bcd | s.gate | s.loaded | s.counting | s.pending | s.null_count | s.status_latched |
       s.read_high | s.write_high) > 1)
    return "flag out of range";
  return nullptr;
}

PitChannel::Phase PitChannel::phaseAt(const PitChannelState& s, uint64_t tick) {
  if (s.pending && periodic(s.mode) && s.counting && tick >= s.switch_tick)
    return {tick - s.switch_tick, s.count};
  uint64_t run = s.counting && tick > s.base_tick ? tick - s.base_tick : 0;
  return {s.base_elapsed + run, s.reload};
}

void PitChannel::settle(uint64_t tick) {
  if (s_.pending && periodic(s_.mode) && s_.counting && tick >= s_.switch_tick) {
    s_.reload = s_.count;
    s_.base_tick = s_.switch_tick;
    s_.base_elapsed = 0;
    s_.pending = 0;
    s_.null_count = 0;
  }
}

uint16_t PitChannel::counterValue(uint64_t tick) const {
  Phase p = phaseAt(tick);
  if (p.reload == 0) return 0;
  uint64_t e = p.elapsed, r = p.reload, m = modulus();
  uint64_t v;
  switch (s_.mode) {
    case 2:
      v = r - e % r;
      break;
    case 3: {
      // Counts down by two through each half of the period.
      uint64_t phase = e % r, half = (r + 1) / 2;
      v = phase < half ? r - 2 * phase : r - 2 * (phase - half);
      break;
    }
    default:  // 0, 1, 4, 5: one pass from the count, wrapping after zero
      v = (r + m - e % m) % m;
      break;
  }
  v %= m;
  return s_.bcd ? toBcd(static_cast<uint32_t>(v)) : static_cast<uint16_t>(v);
}

bool PitChannel::out(uint64_t tick) {
  settle(tick);
  if (!s_.loaded) return s_.mode != 0;
  Phase p = phaseAt(tick);
  uint64_t e = p.elapsed, r = p.reload;
  switch (s_.mode) {
    case 0:
    case 1:
      return e >= r;
    case 2:
      return !s_.counting || r < 2 || e % r != r - 1;
    case 3:
      return !s_.counting || e % r < (r + 1) / 2;
    default:  // 4, 5: one tick low when the count expires
      return e != r;
  }
}

uint64_t PitChannel::nextRisingEdge(const PitChannelState& s, uint64_t after) {
  if (!s.loaded || !s.counting) return UINT64_MAX;
  Phase p = phaseAt(s, after);
  uint64_t e = p.elapsed, r = p.reload, edge;
  switch (s.mode) {
    case 0:
    case 1:
      if (e >= r) return UINT64_MAX;
      edge = r;
      break;
    case 2:
    case 3:
      edge = (e / r + 1) * r;
      break;
    default:
      if (e >= r + 1) return UINT64_MAX;
      edge = r + 1;
      break;
  }
  return after + (edge - e);
}

void PitChannel::startCounting(uint32_t reload, uint64_t tick) {
  s_.reload = reload;
  s_.base_elapsed = 0;
  s_.base_tick = tick;
  s_.loaded = 1;
  s_.pending = 0;
  s_.null_count = 0;
  // Modes 1 and 5 count once triggered whatever the gate does; the others
  // count only while the gate is high.
  s_.counting = (s_.mode == 1 || s_.mode == 5) ? 1 : s_.gate;
}

void PitChannel::writeControl(uint8_t control, uint64_t tick) {
  uint8_t access = control >> 4 & 3;
  if (access == 0) {
    latchCount(tick);
    return;
  }
  // The counting element stops where it is until a count is written.
  settle(tick);
  Phase p = phaseAt(tick);
  s_.base_elapsed = p.elapsed;
  s_.reload = p.reload;
  s_.counting = 0;
  s_.mode = control >> 1 & 7;
  if (s_.mode > 5) s_.mode -= 4;  // modes 6 and 7 are 2 and 3
  s_.access = access;
  s_.bcd = control & 1;
  s_.loaded = 0;
  s_.pending = 0;
  s_.null_count = 1;
  s_.latched = 0;
  s_.status_latched = 0;
  s_.read_high = 0;
  s_.write_high = 0;
}

void PitChannel::writeCount(uint8_t byte, uint64_t tick) {
  settle(tick);
  uint32_t value;
  switch (s_.access) {
    case 1:
      value = byte;
      break;
    case 2:
      value = uint32_t{byte} << 8;
      break;
    default:
      if (!s_.write_high) {
        s_.write_low = byte;
        s_.write_high = 1;
        if (s_.mode == 0) {
          // Mode 0: the first byte stops the count and sets OUT low.
          Phase p = phaseAt(tick);
          s_.base_elapsed = p.elapsed;
          s_.counting = 0;
          s_.loaded = 0;
        }
        return;
      }
      s_.write_high = 0;
      value = s_.write_low | uint32_t{byte} << 8;
      break;
  }
  if (s_.bcd) value = fromBcd(value);
  value %= modulus();  // only BCD with digits above 9 can exceed it
  if (value == 0) value = modulus();
  s_.count = value;
  s_.null_count = 1;
  load(tick);
}

void PitChannel::load(uint64_t tick) {
  switch (s_.mode) {
    case 0:
    case 4:
      startCounting(s_.count, tick);
      break;
    case 1:
    case 5:
      s_.pending = 1;  // loaded by the next trigger
      break;
    default:
      if (!s_.loaded) {
        startCounting(s_.count, tick);
      } else {
        // A new count takes effect at the end of the current period (or
        // when the gate next rises).
        s_.pending = 1;
        if (s_.counting) {
          Phase p = phaseAt(tick);
          s_.switch_tick = tick + ((p.elapsed / p.reload + 1) * p.reload - p.elapsed);
        }
      }
      break;
  }
}

void PitChannel::setGate(bool high, uint64_t tick) {
  settle(tick);
  bool rising = high && !s_.gate, falling = !high && s_.gate;
  s_.gate = high;
  if (rising) {
    switch (s_.mode) {
      case 0:
      case 4:
        if (s_.loaded && !s_.counting) {
          s_.base_tick = tick;
          s_.counting = 1;
        }
        break;
      default:  // 1, 2, 3, 5: the rising edge (re)starts the count
        if (s_.loaded || s_.pending) startCounting(s_.pending ? s_.count : s_.reload, tick);
        break;
    }
  } else if (falling && s_.counting && s_.mode != 1 && s_.mode != 5) {
    Phase p = phaseAt(tick);
    s_.base_elapsed = p.elapsed;
    s_.reload = p.reload;
    s_.counting = 0;
  }
}

void PitChannel::latchCount(uint64_t tick) {
  if (s_.latched) return;  // a second latch before reading is ignored
  settle(tick);
  s_.latch = counterValue(tick);
  s_.latched = s_.access;
}

void PitChannel::readBack(bool latch_count, bool latch_status, uint64_t tick) {
  if (latch_status && !s_.status_latched) {
    s_.status = static_cast<uint8_t>(out(tick) << 7 | s_.null_count << 6 | s_.access << 4 |
                                     s_.mode << 1 | s_.bcd);
    s_.status_latched = 1;
  }
  if (latch_count) latchCount(tick);
}

bool PitChannel::readNeedsTime() const {
  return !s_.status_latched && !s_.latched;
}

uint8_t PitChannel::readByte(uint64_t tick) {
  if (s_.status_latched) {
    s_.status_latched = 0;
    return s_.status;
  }
  if (s_.latched) {
    if (s_.latched & 1) {
      s_.latched &= ~1;
      return static_cast<uint8_t>(s_.latch);
    }
    s_.latched = 0;
    return static_cast<uint8_t>(s_.latch >> 8);
  }
  settle(tick);
  uint16_t v = counterValue(tick);
  bool high = s_.access == 2 || (s_.access == 3 && s_.read_high);
  if (s_.access == 3) s_.read_high ^= 1;
  return static_cast<uint8_t>(high ? v >> 8 : v);
}

}  // namespace tandem
