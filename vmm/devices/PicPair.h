// The PC's two cascaded 8259A interrupt controllers: the master at
// 0x20/0x21 takes IRQ 0-7 and the slave's output on IRQ 2; the slave at
// 0xA0/0xA1 takes IRQ 8-15. The chipset's edge/level control registers
// (ELCR) sit at 0x4D0/0x4D1; IRQ 0, 1, 2, 8 and 13 are always edge-triggered.
// Devices drive lines through IrqSink; the master's output drives the CPU's
// INTR pin, and the CPU's acknowledge cycle returns here for the vector.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/Device.h"
#include "vmm/devices/InterruptOutput.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/Pic8259.h"

namespace tandem {

struct PicPairState {
  Pic8259State master;
  Pic8259State slave;
};
static_assert(kIsPlainState<PicPairState>);

class PicPair final : public Device, public IrqSink {
 public:
  explicit PicPair(InterruptOutput& cpu);

  Status attach(IoBus& ports);

  const char* name() const override { return "pic"; }
  void reset() override;
  std::vector<uint8_t> saveState() const override;
  // Also drives the CPU's INTR pin to the restored level.
  Status restoreState(std::span<const uint8_t> blob) override;

  void setIrqLevel(unsigned irq, bool high) override;

  // The INTA cycle: the vector of the highest-priority request, or the
  // spurious vector of the chip whose request went away (IRQ 7 or 15).
  uint8_t acknowledge();
  bool intrAsserted() const { return intr_; }

  uint8_t readPort(bool slave, unsigned port);
  void writePort(bool slave, unsigned port, uint8_t value);
  uint8_t readElcr(unsigned which) const;
  void writeElcr(unsigned which, uint8_t value);

 private:
  // Propagates the slave's output to the master's cascade input and the
  // master's output to the CPU.
  void update();

  InterruptOutput& cpu_;
  Pic8259 master_;
  Pic8259 slave_;
  bool intr_ = false;
};

}  // namespace tandem
