// The 8042 keyboard controller at 0x60 (data) and 0x64 (status/command), as
// much of it as Linux's i8042 driver probes: self-test (0xAA answers 0x55),
// port tests, the command byte and controller RAM, port enables, the AUX
// loopback (0xD3), the output port (A20 on bit 1, reset on bit 0), A20
// commands 0xDD/0xDF, and the reset pulse of commands 0xF0-0xFE with bit 0
// clear. No keyboard or mouse is attached: bytes sent to them get no answer.
// A full output buffer raises IRQ 1 (controller and keyboard bytes) or IRQ
// 12 (AUX bytes) when the command byte enables it.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/MachineControl.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct I8042State {
  uint8_t ram[32];       // controller RAM; byte 0 is the command byte
  uint8_t output;        // output buffer (the last byte stays readable)
  uint8_t output_full;   // status bit 0
  uint8_t output_aux;    // the output buffer holds an AUX byte (status bit 5)
  uint8_t output_port;   // bit 0: not in reset, bit 1: A20 enabled
  uint8_t pending;       // command waiting for its data byte on port 0x60, or 0
  uint8_t last_command;  // status bit 3: the last write went to port 0x64
};

class I8042 final : public PlainStateDevice<I8042State> {
 public:
  static constexpr unsigned kKeyboardIrq = 1, kAuxIrq = 12;

  I8042(IrqSink& irq, MachineControl& machine) : irq_(irq), machine_(machine) { reset(); }

  Status attach(IoBus& ports);

  const char* name() const override { return "i8042"; }
  void reset() override;

  bool a20Enabled() const { return s_.output_port & 2; }
  uint8_t readData();
  uint8_t readStatus() const;
  void writeData(uint8_t value);
  void writeCommand(uint8_t command);

 private:
  std::string checkState(const I8042State& s) const override;
  void respond(uint8_t byte, bool aux);
  void writeOutputPort(uint8_t value);
  void setCommandByteBit(uint8_t bit, bool set);
  void updateIrqs();

  IrqSink& irq_;
  MachineControl& machine_;
};

}  // namespace tandem
