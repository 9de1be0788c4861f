// The ISA interrupt lines as devices see them: a device drives the level of
// its line (high = requesting). The interrupt controller decides what an
// edge or a level means.
#pragma once

namespace tandem {

class IrqSink {
 public:
  virtual ~IrqSink() = default;
  // `irq` is 0-15 except 2 (the cascade input, not an ISA line).
  virtual void setIrqLevel(unsigned irq, bool high) = 0;
};

}  // namespace tandem
