#include "vmm/devices/SystemControlPortB.h"

namespace tandem {

Status SystemControlPortB::attach(IoBus& ports) {
  return ports.map(
      name(), 0x61, 1, [this](uint64_t, unsigned) { return read(); },
      [this](uint64_t, unsigned, uint32_t v) { write(uint8_t(v)); });
}

uint8_t SystemControlPortB::read() {
  uint64_t now = clock_.nowNs(ClockRead::kPit);
  bool refresh = (now / kRefreshPeriodNs) & 1;
  return static_cast<uint8_t>(s_.control | refresh << 4 | pit_.out2(now) << 5);
}

void SystemControlPortB::write(uint8_t value) {
  bool gate_changed = (value ^ s_.control) & 1;
  s_.control = value & 0x0F;
  if (gate_changed) pit_.setGate2(value & 1, clock_.nowNs(ClockRead::kPit));
}

std::string SystemControlPortB::checkState(const SystemControlPortBState& s) const {
  return s.control & 0xF0 ? "read-only bits set" : "";
}

}  // namespace tandem
