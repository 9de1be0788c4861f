// The chipset's reset control register at 0xCF9: a write that sets bit 2
// (RST_CPU) resets the machine; bits 1 (SYS_RST) and 3 (FULL_RST) choose the
// kind of reset on real chipsets and read back. It shares the 0xCF8-0xCFF
// ports with the PCI configuration mechanism, which forwards byte accesses
// at 0xCF9 here.
#pragma once

#include "vmm/devices/MachineControl.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct ResetControlState {
  uint8_t value;  // bits 1 and 3
};

class ResetControl final : public PlainStateDevice<ResetControlState> {
 public:
  explicit ResetControl(MachineControl& machine) : machine_(machine) {}

  const char* name() const override { return "reset-control"; }
  void reset() override { s_ = {}; }

  uint8_t read() const { return s_.value; }
  void write(uint8_t value);

 private:
  std::string checkState(const ResetControlState& s) const override;

  MachineControl& machine_;
};

}  // namespace tandem
