// System Control Port A at 0x92 ("fast A20 and reset"): bit 1 enables the
// A20 address line, writing 1 to bit 0 resets the machine.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/MachineControl.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct SystemControlPortAState {
  uint8_t value;  // as last written, without the reset bit
};

class SystemControlPortA final : public PlainStateDevice<SystemControlPortAState> {
 public:
  explicit SystemControlPortA(MachineControl& machine) : machine_(machine) {}

  Status attach(IoBus& ports);

  const char* name() const override { return "port92"; }
  void reset() override { s_ = {}; }

  bool a20Enabled() const { return s_.value & 2; }
  uint8_t read() const { return s_.value; }
  void write(uint8_t value);

 private:
  std::string checkState(const SystemControlPortAState& s) const override;

  MachineControl& machine_;
};

}  // namespace tandem
