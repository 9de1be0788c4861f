// One Intel 8259A programmable interrupt controller: eight request inputs,
// priority resolution with rotation, the ICW1-ICW4 initialisation sequence,
// OCW1-OCW3, edge or level triggering per input (ICW1.LTIM, or the chipset's
// ELCR), poll mode, auto-EOI and special mask mode. The two chips of a PC
// and their cascade are wired by PicPair.
#pragma once

#include <cstdint>

#include "vmm/devices/StateBlob.h"

namespace tandem {

struct Pic8259State {
  uint8_t irr;          // interrupt request register
  uint8_t isr;          // in-service register
  uint8_t imr;          // interrupt mask register (OCW1)
  uint8_t lines;        // current input levels
  uint8_t elcr;         // 1 = level-triggered input (edge/level control register)
  uint8_t vector_base;  // ICW2 with the low three bits clear
  uint8_t icw1;
  uint8_t icw3;
  uint8_t icw4;
  uint8_t init_step;        // 0 operational; 2, 3 or 4: the ICW expected next
  uint8_t lowest_priority;  // the input with the lowest priority (rotation)
  uint8_t read_isr;         // OCW3: a read of port 0 returns the ISR, else the IRR
  uint8_t poll;             // OCW3 poll command: the next port-0 read is a poll
  uint8_t special_mask;     // special mask mode
  uint8_t rotate_on_aeoi;   // OCW2 "rotate in automatic EOI mode"
  uint8_t reserved;
};
static_assert(kIsPlainState<Pic8259State>);

class Pic8259 {
 public:
  // Poll byte when no input requests service.
  static constexpr uint8_t kNoRequest = 0x00;

  // `master`: the chip whose cascade inputs (ICW3) may be in special fully
  // nested mode; `elcr_mask`: ELCR bits that can be set on this chip.
  Pic8259(bool master, uint8_t elcr_mask) : master_(master), elcr_mask_(elcr_mask) {}

  void reset();  // power-on: everything clear, every line low
  const Pic8259State& state() const { return s_; }
  Status setState(const Pic8259State& s, const char* device);

  // Port 0 (0x20/0xA0) and port 1 (0x21/0xA1).
  uint8_t read(unsigned port);
  void write(unsigned port, uint8_t value);

  void setLine(unsigned input, bool high);
  uint8_t elcr() const { return s_.elcr; }
  void setElcr(uint8_t value);

  // True when an unmasked request outranks everything in service: the INT
  // output to the CPU (or to the master's cascade input).
  bool interruptPending() const;
  // The INTA cycle: the input being serviced (its ISR bit set unless in
  // auto-EOI mode), or 7 when no request remains (a spurious interrupt,
  // nothing set in service).
  unsigned acknowledge();
  uint8_t vectorBase() const { return s_.vector_base; }

 private:
  bool levelTriggered(unsigned input) const;
  unsigned priority(unsigned input) const;  // 0 highest .. 7 lowest
  int highest(uint8_t bits) const;          // highest-priority input in bits, or -1
  int highestRequest() const;               // a request that outranks what is in service
  void writeIcw1(uint8_t value);
  void writeOcw2(uint8_t value);
  void writeOcw3(uint8_t value);
  void endOfInterrupt(int input, bool rotate);
  uint8_t pollRead();

  bool master_;
  uint8_t elcr_mask_;
  Pic8259State s_{};
};

}  // namespace tandem
