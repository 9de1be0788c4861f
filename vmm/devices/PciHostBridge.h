// PCI configuration mechanism #1 with no devices behind it: the address
// register at 0xCF8 (32-bit accesses only) holds what was written, the data
// window at 0xCFC-0xCFF reads all-ones for every bus, device and function
// ("no device") and ignores writes. A byte at 0xCF9 is the chipset's reset
// control register, passed on to ResetControl.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/PlainStateDevice.h"
#include "vmm/devices/ResetControl.h"

namespace tandem {

struct PciHostBridgeState {
  uint32_t address;  // CONFIG_ADDRESS: enable bit, bus, device, function, register
};

class PciHostBridge final : public PlainStateDevice<PciHostBridgeState> {
 public:
  explicit PciHostBridge(ResetControl& reset_control) : reset_control_(reset_control) {}

  Status attach(IoBus& ports);

  const char* name() const override { return "pci-host"; }
  void reset() override { s_ = {}; }

  uint32_t read(unsigned offset, unsigned size);
  void write(unsigned offset, unsigned size, uint32_t value);

 private:
  std::string checkState(const PciHostBridgeState& s) const override;

  ResetControl& reset_control_;
};

}  // namespace tandem
