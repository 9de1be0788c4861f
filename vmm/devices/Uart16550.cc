#include "vmm/devices/Uart16550.h"

#include "vmm/devices/ClockTicks.h"

namespace tandem {
namespace {

// Register offsets.
constexpr unsigned kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6,
                   kScr = 7;
// IER bits.
constexpr uint8_t kIerRxData = 0x01, kIerThre = 0x02, kIerLineStatus = 0x04, kIerModem = 0x08;
// IIR interrupt identifications (bit 0 set: none pending).
constexpr uint8_t kIirNone = 0x01, kIirLineStatus = 0x06, kIirRxData = 0x04, kIirTimeout = 0x0C,
                  kIirThre = 0x02, kIirModem = 0x00, kIirFifos = 0xC0;
// LCR bits.
constexpr uint8_t kLcrDlab = 0x80;
// MCR bits.
constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08, kMcrLoop = 0x10;
// LSR bits.
constexpr uint8_t kLsrDataReady = 0x01, kLsrOverrun = 0x02, kLsrErrors = 0x1E, kLsrThre = 0x20,
                  kLsrTemt = 0x40;
// MSR bits.
constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80, kMsrTeri = 0x04,
                  kMsrDeltas = 0x0F;
// FCR bits.
constexpr uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrTrigger = 0xC0;

// Modem inputs when nothing drives them: a terminal that is present and
// ready (CTS, DSR, DCD), not ringing.
constexpr uint8_t kIdleModemInputs = kMsrCts | kMsrDsr | kMsrDcd;

}  // namespace

Uart16550::Uart16550(const char* name, unsigned irq, DeviceClock& clock, IrqSink& irqs,
                     ConsoleSink& console)
    : name_(name), irq_(irq), clock_(clock), irqs_(irqs), console_(console) {
  reset();
}

Status Uart16550::attach(IoBus& ports, uint16_t base) {
  return ports.map(
      name_, base, 8, [this](uint64_t off, unsigned) { return read(unsigned(off)); },
      [this](uint64_t off, unsigned, uint32_t v) { write(unsigned(off), uint8_t(v)); },
      IoBus::Width::kBytes);
}

void Uart16550::reset() {
  s_ = {};
  s_.timeout_ns = kNoDeadline;
  s_.msr = kIdleModemInputs;
  s_.dll = 12;  // 9600 baud until the guest sets a rate
}

std::string Uart16550::checkState(const Uart16550State& s) const {
  if (s.rx_head >= kFifoSize || s.rx_count > kFifoSize) return "receive FIFO out of range";
  if (!(s.fcr & kFcrEnable) && s.rx_count > 1) return "bytes queued with the FIFO off";
  if ((s.thre_pending | s.timeout_pending) > 1) return "flag out of range";
  if (s.ier & 0xF0) return "reserved IER bits set";
  for (uint8_t b : s.reserved)
    if (b) return "reserved bytes set";
  return {};
}

unsigned Uart16550::triggerLevel() const {
  static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
  return kLevels[s_.fcr >> 6];
}

uint64_t Uart16550::timeoutNs() const {
  // Start bit, 5-8 data bits, optional parity, 1 or 2 stop bits (1.5 for
  // five data bits, counted as 2).
  uint64_t bits = 1 + 5 + (s_.lcr & 3) + ((s_.lcr & 0x08) ? 1 : 0) + ((s_.lcr & 0x04) ? 2 : 1);
  uint64_t divisor = s_.dll | s_.dlm << 8;
  if (divisor == 0) divisor = 0x10000;
  return nsAtTicks(4 * bits * divisor * 16, kClockHz);
}

size_t Uart16550::rxSpace() const {
  if (s_.mcr & kMcrLoop) return 0;
  return (fifoEnabled() ? kFifoSize : 1) - s_.rx_count;
}

void Uart16550::receive(uint8_t byte, uint64_t now_ns) {
  if (s_.mcr & kMcrLoop) return;  // the receive line is disconnected
  pushRx(byte, now_ns);
  update();
}

void Uart16550::pushRx(uint8_t byte, uint64_t now_ns) {
  unsigned capacity = fifoEnabled() ? kFifoSize : 1;
  if (s_.rx_count == capacity) {
    s_.lsr_errors |= kLsrOverrun;
    // Without the FIFO the holding register is overwritten; with it, the
    // FIFO keeps its bytes and the new one is lost.
    if (!fifoEnabled()) s_.rx[s_.rx_head] = byte;
    return;
  }
  s_.rx[(s_.rx_head + s_.rx_count) % kFifoSize] = byte;
  s_.rx_count++;
  if (fifoEnabled()) s_.timeout_ns = now_ns + timeoutNs();
}

uint8_t Uart16550::popRx() {
  s_.timeout_pending = 0;
  if (s_.rx_count == 0) return s_.rbr;
  s_.rbr = s_.rx[s_.rx_head];
  s_.rx_head = (s_.rx_head + 1) % kFifoSize;
  s_.rx_count--;
  // Reading restarts the timeout while bytes remain.
  s_.timeout_ns = kNoDeadline;
  if (fifoEnabled() && s_.rx_count > 0)
    s_.timeout_ns = clock_.nowNs(ClockRead::kSerial) + timeoutNs();
  return s_.rbr;
}

void Uart16550::advance(uint64_t now_ns) {
  if (now_ns < s_.timeout_ns) return;
  s_.timeout_ns = kNoDeadline;
  if (fifoEnabled() && s_.rx_count > 0) s_.timeout_pending = 1;
  update();
}

uint8_t Uart16550::lineStatus() const {
  uint8_t lsr = kLsrThre | kLsrTemt | s_.lsr_errors;
  if (s_.rx_count > 0) lsr |= kLsrDataReady;
  return lsr;
}

uint8_t Uart16550::interruptId() const {
  if ((s_.ier & kIerLineStatus) && s_.lsr_errors) return kIirLineStatus;
  if (s_.ier & kIerRxData) {
    unsigned level = fifoEnabled() ? triggerLevel() : 1;
    if (s_.rx_count >= level) return kIirRxData;
    if (s_.timeout_pending) return kIirTimeout;
  }
  if ((s_.ier & kIerThre) && s_.thre_pending) return kIirThre;
  if ((s_.ier & kIerModem) && (s_.msr & kMsrDeltas)) return kIirModem;
  return kIirNone;
}

void Uart16550::update() {
  bool line = interruptId() != kIirNone && (s_.mcr & kMcrOut2) && !(s_.mcr & kMcrLoop);
  irqs_.setIrqLevel(irq_, line);
}

void Uart16550::writeMcr(uint8_t value) {
  s_.mcr = value & 0x1F;
  uint8_t inputs = kIdleModemInputs;
  if (s_.mcr & kMcrLoop) {
    // Loopback: the modem outputs drive the modem inputs.
    inputs = 0;
    if (s_.mcr & kMcrRts) inputs |= kMsrCts;
    if (s_.mcr & kMcrDtr) inputs |= kMsrDsr;
    if (s_.mcr & kMcrOut1) inputs |= kMsrRi;
    if (s_.mcr & kMcrOut2) inputs |= kMsrDcd;
  }
  uint8_t old = s_.msr & 0xF0;
  uint8_t changed = old ^ inputs;
  uint8_t deltas = (changed >> 4) & ((kMsrCts | kMsrDsr | kMsrDcd) >> 4);
  if ((old & kMsrRi) && !(inputs & kMsrRi)) deltas |= kMsrTeri;  // trailing edge only
  s_.msr = static_cast<uint8_t>(inputs | (s_.msr & kMsrDeltas) | deltas);
}

uint8_t Uart16550::read(unsigned offset) {
  uint8_t v = 0;
  switch (offset) {
    case kRbrThr:
      v = (s_.lcr & kLcrDlab) ? s_.dll : popRx();
      break;
    case kIer:
      v = (s_.lcr & kLcrDlab) ? s_.dlm : s_.ier;
      break;
    case kIirFcr: {
      uint8_t id = interruptId();
      if (id == kIirThre) s_.thre_pending = 0;  // reading the IIR that reports it clears it
      v = static_cast<uint8_t>(id | (fifoEnabled() ? kIirFifos : 0));
      break;
    }
    case kLcr:
      v = s_.lcr;
      break;
    case kMcr:
      v = s_.mcr;
      break;
    case kLsr:
      v = lineStatus();
      s_.lsr_errors = 0;
      break;
    case kMsr:
      v = s_.msr;
      s_.msr &= ~kMsrDeltas;
      break;
    case kScr:
      v = s_.scr;
      break;
  }
  update();
  return v;
}

void Uart16550::write(unsigned offset, uint8_t value) {
  switch (offset) {
    case kRbrThr:
      if (s_.lcr & kLcrDlab) {
        s_.dll = value;
        break;
      }
      // Writing THR clears the THRE interrupt; the byte leaves at once and the
      // emptied register raises it again, an edge the PIC can see.
      s_.thre_pending = 0;
      update();
      if (s_.mcr & kMcrLoop)
        pushRx(value, fifoEnabled() ? clock_.nowNs(ClockRead::kSerial) : 0);
      else
        console_.consoleWrite(value);
      s_.thre_pending = 1;
      break;
    case kIer:
      if (s_.lcr & kLcrDlab) {
        s_.dlm = value;
        break;
      }
      // Enabling the THRE interrupt while the transmitter is empty raises it.
      if ((value & kIerThre) && !(s_.ier & kIerThre)) s_.thre_pending = 1;
      s_.ier = value & 0x0F;
      break;
    case kIirFcr:
      // Switching the FIFO on or off empties it, as does the clear bit.
      if (((value ^ s_.fcr) & kFcrEnable) || (value & kFcrClearRx)) {
        s_.rx_count = 0;
        s_.timeout_ns = kNoDeadline;
        s_.timeout_pending = 0;
      }
      // The other bits are only programmed together with the enable bit.
      s_.fcr = (value & kFcrEnable) ? value & (kFcrEnable | kFcrTrigger) : 0;
      break;
    case kLcr:
      s_.lcr = value;
      break;
    case kMcr:
      writeMcr(value);
      break;
    case kScr:
      s_.scr = value;
      break;
    default:  // LSR and MSR are not writable
      break;
  }
  update();
}

}  // namespace tandem
