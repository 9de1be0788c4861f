// The Intel 8254 programmable interval timer at ports 0x40-0x43, clocked at
// 1.193182 MHz: channel 0 drives IRQ 0, channel 1 (DRAM refresh on old PCs)
// drives nothing, channel 2's GATE and OUT are wired to port 0x61
// (SystemControlPortB). Counter reads and writes take the current guest
// time from the DeviceClock; IRQ 0 edges are raised by advance() when guest
// time passes them.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/DeviceClock.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/PitChannel.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct Pit8254State {
  PitChannelState channel[3];
};
static_assert(kIsPlainState<Pit8254State>);

class Pit8254 final : public PlainStateDevice<Pit8254State> {
 public:
  static constexpr unsigned kIrq = 0;

  Pit8254(DeviceClock& clock, IrqSink& irq);

  Status attach(IoBus& ports);

  const char* name() const override { return "pit"; }
  void reset() override;
  uint64_t nextDeadlineNs() const override;
  void advance(uint64_t now_ns) override;

  // Port offsets 0-3 (0x40-0x43).
  uint8_t readPort(unsigned offset);
  void writePort(unsigned offset, uint8_t value);

  // Channel 2's GATE input and OUT output (port 0x61).
  void setGate2(bool high, uint64_t now_ns);
  bool out2(uint64_t now_ns);

 private:
  std::string checkState(const Pit8254State& s) const override;
  PitChannel channel(unsigned i) { return PitChannel(s_.channel[i]); }
  uint64_t nowTick() { return pitTicksAt(clock_.nowNs(ClockRead::kPit)); }
  // Raises IRQ 0 if channel 0's OUT rose since the last check, then leaves
  // the line at OUT's level.
  void signalChannel0(uint64_t tick);

  DeviceClock& clock_;
  IrqSink& irq_;
};

}  // namespace tandem
