#include "vmm/devices/SystemControlPortA.h"

namespace tandem {

Status SystemControlPortA::attach(IoBus& ports) {
  return ports.map(
      name(), 0x92, 1, [this](uint64_t, unsigned) { return read(); },
      [this](uint64_t, unsigned, uint32_t v) { write(uint8_t(v)); });
}

void SystemControlPortA::write(uint8_t value) {
  bool a20_changed = (value ^ s_.value) & 2;
  s_.value = value & 0xFE;
  if (a20_changed) machine_.setA20(A20Source::kPort92, a20Enabled());
  if (value & 1) machine_.requestReset(ResetSource::kPort92);
}

std::string SystemControlPortA::checkState(const SystemControlPortAState& s) const {
  return s.value & 1 ? "reset bit set" : "";
}

}  // namespace tandem
