#include "vmm/devices/PicPair.h"

#include "vmm/Assert.h"

namespace tandem {
namespace {

constexpr unsigned kCascadeInput = 2;
// ELCR bits that can be set: IRQ 0-2 on the master and IRQ 8 and 13 on the
// slave are wired edge-triggered.
constexpr uint8_t kMasterElcrMask = 0xF8, kSlaveElcrMask = 0xDE;

}  // namespace

PicPair::PicPair(InterruptOutput& cpu)
    : cpu_(cpu), master_(true, kMasterElcrMask), slave_(false, kSlaveElcrMask) {
  reset();
}

Status PicPair::attach(IoBus& ports) {
  for (bool slave : {false, true}) {
    Status s = ports.map(
        slave ? "pic-slave" : "pic-master", slave ? 0xA0 : 0x20, 2,
        [this, slave](uint64_t off, unsigned) { return readPort(slave, unsigned(off)); },
        [this, slave](uint64_t off, unsigned, uint32_t v) {
          writePort(slave, unsigned(off), uint8_t(v));
        },
        IoBus::Width::kBytes);
    if (!s) return s;
  }
  return ports.map(
      "pic-elcr", 0x4D0, 2, [this](uint64_t off, unsigned) { return readElcr(unsigned(off)); },
      [this](uint64_t off, unsigned, uint32_t v) { writeElcr(unsigned(off), uint8_t(v)); },
      IoBus::Width::kBytes);
}

void PicPair::reset() {
  master_.reset();
  slave_.reset();
  intr_ = false;
  cpu_.setIntr(false);
}

std::vector<uint8_t> PicPair::saveState() const {
  return saveBlob(PicPairState{master_.state(), slave_.state()});
}

Status PicPair::restoreState(std::span<const uint8_t> blob) {
  PicPairState s;
  if (Status st = loadBlob(blob, name(), &s); !st) return st;
  Pic8259State old_master = master_.state();
  if (Status st = master_.setState(s.master, "pic master"); !st) return st;
  if (Status st = slave_.setState(s.slave, "pic slave"); !st) {
    (void)master_.setState(old_master, "pic master");
    return st;
  }
  intr_ = master_.interruptPending();
  cpu_.setIntr(intr_);
  return {};
}

void PicPair::setIrqLevel(unsigned irq, bool high) {
  TANDEM_ASSERT(irq < 16 && irq != kCascadeInput);
  if (irq < 8)
    master_.setLine(irq, high);
  else
    slave_.setLine(irq - 8, high);
  update();
}

void PicPair::update() {
  master_.setLine(kCascadeInput, slave_.interruptPending());
  bool intr = master_.interruptPending();
  if (intr != intr_) {
    intr_ = intr;
    cpu_.setIntr(intr);
  }
}

uint8_t PicPair::acknowledge() {
  unsigned input = master_.acknowledge();
  uint8_t vector;
  if (input == kCascadeInput && (master_.state().icw3 >> kCascadeInput & 1)) {
    vector = uint8_t(slave_.vectorBase() + slave_.acknowledge());
    // The INTA cycle re-evaluates the slave's output; a request still
    // pending there must reach the master as a new edge.
    master_.setLine(kCascadeInput, false);
  } else {
    vector = uint8_t(master_.vectorBase() + input);
  }
  update();
  return vector;
}

uint8_t PicPair::readPort(bool slave, unsigned port) {
  uint8_t v = (slave ? slave_ : master_).read(port);
  update();  // a poll read acknowledges
  return v;
}

void PicPair::writePort(bool slave, unsigned port, uint8_t value) {
  (slave ? slave_ : master_).write(port, value);
  update();
}

uint8_t PicPair::readElcr(unsigned which) const {
  return which == 0 ? master_.elcr() : slave_.elcr();
}

void PicPair::writeElcr(unsigned which, uint8_t value) {
  (which == 0 ? master_ : slave_).setElcr(value);
  update();
}

}  // namespace tandem
