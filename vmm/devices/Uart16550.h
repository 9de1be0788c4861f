// A 16550A UART (COM1 at 0x3F8, IRQ 4 on a PC): divisor latch, 16-byte
// receive FIFO with trigger levels 1/4/8/14, the character timeout, LSR,
// MSR, MCR, IIR, IER, LCR and scratch registers, loopback mode. Transmission
// takes no guest time: a byte written to THR goes to the ConsoleSink at
// once (to the receiver in loopback mode) and the transmitter is empty
// again, so THRE and TEMT always read 1. Received bytes are pushed by the
// board. As wired on a PC, the interrupt reaches its IRQ line only while
// MCR.OUT2 is set and loopback is off.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/ConsoleSink.h"
#include "vmm/devices/DeviceClock.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct Uart16550State {
  uint64_t timeout_ns;  // guest time at which the character timeout expires, or kNoDeadline
  uint8_t rx[16];       // receive FIFO, a ring
  uint8_t rx_head;      // index of the oldest received byte
  uint8_t rx_count;     // bytes waiting (at most 1 while the FIFO is off)
  uint8_t rbr;          // the last byte read (what an empty receiver reads)
  uint8_t ier;
  uint8_t lcr;
  uint8_t mcr;
  uint8_t lsr_errors;  // overrun, parity, framing and break bits, cleared by reading LSR
  uint8_t msr;         // modem status lines (bits 4-7) and their change bits (0-3)
  uint8_t scr;
  uint8_t dll;
  uint8_t dlm;
  uint8_t fcr;              // FIFO enable (bit 0) and trigger level (bits 6-7)
  uint8_t thre_pending;     // the transmitter-empty interrupt is pending
  uint8_t timeout_pending;  // the character timeout interrupt is pending
  uint8_t reserved[2];
};
static_assert(kIsPlainState<Uart16550State>);

class Uart16550 final : public PlainStateDevice<Uart16550State> {
 public:
  static constexpr unsigned kFifoSize = 16;
  static constexpr uint64_t kClockHz = 1843200;  // the PC's UART input clock

  Uart16550(const char* name, unsigned irq, DeviceClock& clock, IrqSink& irqs,
            ConsoleSink& console);

  Status attach(IoBus& ports, uint16_t base);

  const char* name() const override { return name_; }
  void reset() override;
  uint64_t nextDeadlineNs() const override { return s_.timeout_ns; }
  void advance(uint64_t now_ns) override;

  // Room for bytes from the outside (0 in loopback mode, where the
  // receiver is fed by the transmitter).
  size_t rxSpace() const;
  // A byte arrives on the receive line at guest time `now_ns`. With no room
  // left it is lost and the overrun bit is set, as on the real part.
  void receive(uint8_t byte, uint64_t now_ns);

  uint8_t read(unsigned offset);
  void write(unsigned offset, uint8_t value);

 private:
  std::string checkState(const Uart16550State& s) const override;
  bool fifoEnabled() const { return s_.fcr & 1; }
  unsigned triggerLevel() const;
  uint64_t timeoutNs() const;  // four character times at the current line settings
  void pushRx(uint8_t byte, uint64_t now_ns);
  uint8_t popRx();
  uint8_t interruptId() const;  // IIR bits 0-3
  uint8_t lineStatus() const;
  void writeMcr(uint8_t value);
  void update();  // drives the IRQ line

  const char* name_;
  unsigned irq_;
  DeviceClock& clock_;
  IrqSink& irqs_;
  ConsoleSink& console_;
};

}  // namespace tandem
