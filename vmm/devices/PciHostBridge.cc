#include "vmm/devices/PciHostBridge.h"

namespace tandem {
namespace {

// Bits 30-24 are reserved and bits 1-0 always read 0.
constexpr uint32_t kAddressMask = 0x80FFFFFC;
constexpr unsigned kResetControlOffset = 1;

}  // namespace

Status PciHostBridge::attach(IoBus& ports) {
  return ports.map(
      name(), 0xCF8, 8, [this](uint64_t off, unsigned size) { return read(unsigned(off), size); },
      [this](uint64_t off, unsigned size, uint32_t v) { write(unsigned(off), size, v); });
}

uint32_t PciHostBridge::read(unsigned offset, unsigned size) {
  if (offset == 0 && size == 4) return s_.address;
  if (offset == kResetControlOffset && size == 1) return reset_control_.read();
  return 0xFFFFFFFF;
}

void PciHostBridge::write(unsigned offset, unsigned size, uint32_t value) {
  if (offset == 0 && size == 4)
    s_.address = value & kAddressMask;
  else if (offset == kResetControlOffset && size == 1)
    reset_control_.write(uint8_t(value));
}

std::string PciHostBridge::checkState(const PciHostBridgeState& s) const {
  return s.address & ~kAddressMask ? "reserved address bits set" : "";
}

}  // namespace tandem
