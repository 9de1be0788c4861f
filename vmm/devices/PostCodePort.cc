#include "vmm/devices/PostCodePort.h"

namespace tandem {

Status PostCodePort::attach(IoBus& ports) {
  return ports.map(
      name(), 0x80, 1, [](uint64_t, unsigned) -> uint32_t { return 0xFF; },
      [this](uint64_t, unsigned, uint32_t v) { s_.last_code = uint8_t(v); });
}

}  // namespace tandem
