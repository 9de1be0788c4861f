#include "vmm/devices/Pit8254.h"

namespace tandem {

Pit8254::Pit8254(DeviceClock& clock, IrqSink& irq) : clock_(clock), irq_(irq) {
  reset();
}

Status Pit8254::attach(IoBus& ports) {
  return ports.map(
      "pit", 0x40, 4, [this](uint64_t off, unsigned) { return readPort(unsigned(off)); },
      [this](uint64_t off, unsigned, uint32_t v) { writePort(unsigned(off), uint8_t(v)); },
      IoBus::Width::kBytes);
}

void Pit8254::reset() {
  // Channels 0 and 1 have their gates tied high; channel 2's comes from
  // port 0x61, low at power-on.
  for (unsigned i = 0; i < 3; i++) s_.channel[i] = PitChannel::powerOn(i != 2);
}

std::string Pit8254::checkState(const Pit8254State& s) const {
  for (unsigned i = 0; i < 3; i++) {
    if (const char* bad = PitChannel::checkState(s.channel[i]))
      return "channel " + std::to_string(i) + ": " + bad;
    if (i != 2 && !s.channel[i].gate) return "channel " + std::to_string(i) + ": gate low";
  }
  return {};
}

uint64_t Pit8254::nextDeadlineNs() const {
  const PitChannelState& c0 = s_.channel[0];
  uint64_t edge = PitChannel::nextRisingEdge(c0, c0.edge_tick);
  return edge == UINT64_MAX ? kNoDeadline : pitNsAtTick(edge);
}

void Pit8254::advance(uint64_t now_ns) {
  signalChannel0(pitTicksAt(now_ns));
}

void Pit8254::signalChannel0(uint64_t tick) {
  PitChannelState& c0 = s_.channel[0];
  if (tick < c0.edge_tick) return;
  // The interrupt controller latches the edge; a line that is high already
  // must fall first, as OUT did for its one low tick.
  if (PitChannel::nextRisingEdge(c0, c0.edge_tick) <= tick) {
    irq_.setIrqLevel(kIrq, false);
    irq_.setIrqLevel(kIrq, true);
  }
  c0.edge_tick = tick;
  irq_.setIrqLevel(kIrq, channel(0).out(tick));
}

uint8_t Pit8254::readPort(unsigned offset) {
  if (offset == 3) return 0xFF;  // the control word register cannot be read
  PitChannel ch = channel(offset);
  return ch.readByte(ch.readNeedsTime() ? nowTick() : 0);
}

void Pit8254::writePort(unsigned offset, uint8_t value) {
  uint64_t tick = nowTick();
  // Edges that happened before this write are signalled first, so a write
  // never hides an interrupt that was due.
  signalChannel0(tick);
  if (offset < 3) {
    channel(offset).writeCount(value, tick);
  } else if ((value >> 6) == 3) {
    // Read-back: bit 5 clear latches counts, bit 4 clear latches status,
    // bits 1-3 select channels 0-2.
    for (unsigned i = 0; i < 3; i++) {
      if (value & (2u << i)) channel(i).readBack(!(value & 0x20), !(value & 0x10), tick);
    }
  } else {
    channel(value >> 6).writeControl(value & 0x3F, tick);
  }
  signalChannel0(tick);
}

void Pit8254::setGate2(bool high, uint64_t now_ns) {
  channel(2).setGate(high, pitTicksAt(now_ns));
}

bool Pit8254::out2(uint64_t now_ns) {
  return channel(2).out(pitTicksAt(now_ns));
}

}  // namespace tandem
