// System Control Port B at 0x61: bit 0 drives PIT channel 2's GATE, bit 1
// enables the speaker, bits 2-3 enable parity and channel checks; reads add
// the DRAM refresh toggle (bit 4, flipping every 15.085 us as the refresh
// request does) and PIT channel 2's OUT (bit 5). Bits 6-7 (IOCHK, SERR)
// read 0: no such errors exist here. The speaker makes no sound.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/DeviceClock.h"
#include "vmm/devices/Pit8254.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct SystemControlPortBState {
  uint8_t control;  // bits 0-3 as last written
};

class SystemControlPortB final : public PlainStateDevice<SystemControlPortBState> {
 public:
  static constexpr uint64_t kRefreshPeriodNs = 15085;

  SystemControlPortB(DeviceClock& clock, Pit8254& pit) : clock_(clock), pit_(pit) {}

  Status attach(IoBus& ports);

  const char* name() const override { return "port61"; }
  void reset() override { s_ = {}; }

  uint8_t read();
  void write(uint8_t value);

 private:
  std::string checkState(const SystemControlPortBState& s) const override;

  DeviceClock& clock_;
  Pit8254& pit_;
};

}  // namespace tandem
