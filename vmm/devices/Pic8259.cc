#include "vmm/devices/Pic8259.h"

#include "vmm/Assert.h"

namespace tandem {
namespace {

// ICW1 bits.
constexpr uint8_t kIcw1Ic4 = 0x01, kIcw1Single = 0x02, kIcw1Ltim = 0x08, kIcw1Init = 0x10;
// ICW4 bits.
constexpr uint8_t kIcw4Aeoi = 0x02, kIcw4Sfnm = 0x10;
// OCW3 bits.
constexpr uint8_t kOcw3Read = 0x02, kOcw3Ris = 0x01, kOcw3Poll = 0x04, kOcw3Esmm = 0x40,
                  kOcw3Smm = 0x20, kOcw3Select = 0x08;

}  // namespace

void Pic8259::reset() {
  s_ = Pic8259State{};
  s_.lowest_priority = 7;
}

Status Pic8259::setState(const Pic8259State& s, const char* device) {
  if (s.init_step > 4 || s.init_step == 1) return badState(device, "bad initialisation step");
  if (s.lowest_priority > 7) return badState(device, "bad priority rotation");
  if (s.elcr & ~elcr_mask_) return badState(device, "ELCR sets fixed edge-triggered inputs");
  s_ = s;
  return {};
}

bool Pic8259::levelTriggered(unsigned input) const {
  return (s_.icw1 & kIcw1Ltim) || (s_.elcr >> input & 1);
}

void Pic8259::setLine(unsigned input, bool high) {
  TANDEM_ASSERT(input < 8);
  uint8_t bit = uint8_t(1u << input);
  bool was_high = s_.lines & bit;
  if (high)
    s_.lines |= bit;
  else
    s_.lines &= ~bit;
  if (levelTriggered(input)) {
    if (high)
      s_.irr |= bit;
    else
      s_.irr &= ~bit;
  } else if (high && !was_high) {
    // An edge-triggered request stays latched until acknowledged, even if
    // the line falls first.
    s_.irr |= bit;
  }
}

void Pic8259::setElcr(uint8_t value) {
  s_.elcr = value & elcr_mask_;
  // Level-triggered inputs request exactly while their line is high.
  for (unsigned i = 0; i < 8; i++) {
    if (levelTriggered(i)) setLine(i, s_.lines >> i & 1);
  }
}

unsigned Pic8259::priority(unsigned input) const {
  return (input - s_.lowest_priority - 1) & 7;
}

int Pic8259::highest(uint8_t bits) const {
  for (unsigned p = 0; p < 8; p++) {
    unsigned input = (s_.lowest_priority + 1 + p) & 7;
    if (bits >> input & 1) return static_cast<int>(input);
  }
  return -1;
}

int Pic8259::highestRequest() const {
  int req = highest(s_.irr & ~s_.imr);
  if (req < 0) return -1;
  uint8_t in_service = s_.isr;
  // In special mask mode, masked inputs in service do not hold back others.
  if (s_.special_mask) in_service &= ~s_.imr;
  // In special fully nested mode, a slave already in service may interrupt
  // again with a higher-priority request of its own.
  if (master_ && (s_.icw4 & kIcw4Sfnm)) in_service &= ~s_.icw3;
  int cur = highest(in_service);
  if (cur >= 0 && priority(req) >= priority(cur)) return -1;
  return req;
}

bool Pic8259::interruptPending() const {
  return s_.init_step == 0 && highestRequest() >= 0;
}

unsigned Pic8259::acknowledge() {
  int input = highestRequest();
  if (input < 0) return 7;
  uint8_t bit = uint8_t(1u << input);
  if (!levelTriggered(input)) s_.irr &= ~bit;
  if (s_.icw4 & kIcw4Aeoi) {
    if (s_.rotate_on_aeoi) s_.lowest_priority = static_cast<uint8_t>(input);
  } else {
    s_.isr |= bit;
  }
  return static_cast<unsigned>(input);
}

uint8_t Pic8259::pollRead() {
  s_.poll = 0;
  if (highestRequest() < 0) return kNoRequest;
  return static_cast<uint8_t>(0x80 | acknowledge());
}

uint8_t Pic8259::read(unsigned port) {
  if (s_.poll) return pollRead();
  if (port == 1) return s_.imr;
  return s_.read_isr ? s_.isr : s_.irr;
}

void Pic8259::write(unsigned port, uint8_t value) {
  if (port == 0) {
    if (value & kIcw1Init)
      writeIcw1(value);
    else if (value & kOcw3Select)
      writeOcw3(value);
    else
      writeOcw2(value);
    return;
  }
  switch (s_.init_step) {
    case 0:
      s_.imr = value;
      return;
    case 2:
      s_.vector_base = value & 0xF8;
      if (!(s_.icw1 & kIcw1Single))
        s_.init_step = 3;
      else
        s_.init_step = (s_.icw1 & kIcw1Ic4) ? 4 : 0;
      return;
    case 3:
      s_.icw3 = value;
      s_.init_step = (s_.icw1 & kIcw1Ic4) ? 4 : 0;
      return;
    case 4:
      s_.icw4 = value;
      s_.init_step = 0;
      return;
  }
}

void Pic8259::writeIcw1(uint8_t value) {
  // Initialisation clears the masks, the in-service bits and the latched
  // edges (an input already high must fall and rise again), gives IR7 the
  // lowest priority and returns reads to the IRR.
  s_.icw1 = value;
  s_.imr = 0;
  s_.isr = 0;
  s_.irr = 0;
  s_.lowest_priority = 7;
  s_.special_mask = 0;
  s_.read_isr = 0;
  s_.poll = 0;
  s_.rotate_on_aeoi = 0;
  if (!(value & kIcw1Ic4)) s_.icw4 = 0;
  for (unsigned i = 0; i < 8; i++) {
    if (levelTriggered(i) && (s_.lines >> i & 1)) s_.irr |= uint8_t(1u << i);
  }
  s_.init_step = 2;
}

void Pic8259::endOfInterrupt(int input, bool rotate) {
  if (input < 0) return;
  s_.isr &= ~uint8_t(1u << input);
  if (rotate) s_.lowest_priority = static_cast<uint8_t>(input);
}

void Pic8259::writeOcw2(uint8_t value) {
  unsigned level = value & 7;
  switch (value >> 5) {
    case 1:  // non-specific EOI
      endOfInterrupt(highest(s_.isr), false);
      break;
    case 3:  // specific EOI
      endOfInterrupt(static_cast<int>(level), false);
      break;
    case 5:  // rotate on non-specific EOI
      endOfInterrupt(highest(s_.isr), true);
      break;
    case 7:  // rotate on specific EOI
      endOfInterrupt(static_cast<int>(level), true);
      break;
    case 4:  // set rotate in automatic EOI mode
      s_.rotate_on_aeoi = 1;
      break;
    case 0:  // clear rotate in automatic EOI mode
      s_.rotate_on_aeoi = 0;
      break;
    case 6:  // set priority: `level` becomes the lowest
      s_.lowest_priority = static_cast<uint8_t>(level);
      break;
    default:  // 2: no operation
      break;
  }
}

void Pic8259::writeOcw3(uint8_t value) {
  if (value & kOcw3Esmm) s_.special_mask = (value & kOcw3Smm) ? 1 : 0;
  if (value & kOcw3Poll) s_.poll = 1;
  if (value & kOcw3Read) s_.read_isr = (value & kOcw3Ris) ? 1 : 0;
}

}  // namespace tandem
