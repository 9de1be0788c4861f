// The wire from the interrupt controller to the CPU's INTR pin.
#pragma once

namespace tandem {

class InterruptOutput {
 public:
  virtual ~InterruptOutput() = default;
  virtual void setIntr(bool asserted) = 0;
};

}  // namespace tandem
