#include "vmm/devices/I8042.h"

#include "vmm/Log.h"

namespace tandem {
namespace {

// Command byte bits.
constexpr uint8_t kKeyboardIntEnable = 0x01, kAuxIntEnable = 0x02, kSystemFlag = 0x04,
                  kKeyboardDisable = 0x10, kAuxDisable = 0x20, kTranslate = 0x40;
// Status bits.
constexpr uint8_t kStatusOutputFull = 0x01, kStatusSystem = 0x04, kStatusCommand = 0x08,
                  kStatusNotInhibited = 0x10, kStatusAuxData = 0x20;
// Output port bits.
constexpr uint8_t kOutNotReset = 0x01, kOutA20 = 0x02;

}  // namespace

Status I8042::attach(IoBus& ports) {
  Status s = ports.map(
      "i8042-data", 0x60, 1, [this](uint64_t, unsigned) { return readData(); },
      [this](uint64_t, unsigned, uint32_t v) { writeData(uint8_t(v)); });
  if (!s) return s;
  return ports.map(
      "i8042-command", 0x64, 1, [this](uint64_t, unsigned) { return readStatus(); },
      [this](uint64_t, unsigned, uint32_t v) { writeCommand(uint8_t(v)); });
}

void I8042::reset() {
  // As firmware leaves it: keyboard interrupt on, self-test passed (system
  // flag), scan-code translation, AUX port disabled; A20 enabled.
  s_ = {};
  s_.ram[0] = kKeyboardIntEnable | kSystemFlag | kAuxDisable | kTranslate;
  s_.output_port = kOutNotReset | kOutA20;
}

std::string I8042::checkState(const I8042State& s) const {
  if ((s.output_full | s.output_aux | s.last_command) > 1) return "flag out of range";
  return {};
}

uint8_t I8042::readStatus() const {
  uint8_t st = kStatusNotInhibited;
  if (s_.output_full) st |= kStatusOutputFull;
  if (s_.output_full && s_.output_aux) st |= kStatusAuxData;
  if (s_.ram[0] & kSystemFlag) st |= kStatusSystem;
  if (s_.last_command) st |= kStatusCommand;
  return st;
}

uint8_t I8042::readData() {
  s_.output_full = 0;
  updateIrqs();
  return s_.output;
}

void I8042::respond(uint8_t byte, bool aux) {
  s_.output = byte;
  s_.output_full = 1;
  s_.output_aux = aux;
  updateIrqs();
}

void I8042::updateIrqs() {
  uint8_t ccb = s_.ram[0];
  irq_.setIrqLevel(kKeyboardIrq, s_.output_full && !s_.output_aux && (ccb & kKeyboardIntEnable));
  irq_.setIrqLevel(kAuxIrq, s_.output_full && s_.output_aux && (ccb & kAuxIntEnable));
}

void I8042::setCommandByteBit(uint8_t bit, bool set) {
  if (set)
    s_.ram[0] |= bit;
  else
    s_.ram[0] &= ~bit;
  updateIrqs();
}

void I8042::writeOutputPort(uint8_t value) {
  bool a20_changed = (value ^ s_.output_port) & kOutA20;
  s_.output_port = value;
  if (a20_changed) machine_.setA20(A20Source::kKeyboardController, a20Enabled());
  if (!(value & kOutNotReset)) machine_.requestReset(ResetSource::kKeyboardController);
}

void I8042::writeData(uint8_t value) {
  s_.last_command = 0;
  uint8_t cmd = s_.pending;
  s_.pending = 0;
  if (cmd >= 0x60 && cmd <= 0x7F) {
    s_.ram[cmd & 0x1F] = value;
    updateIrqs();
    return;
  }
  switch (cmd) {
    case 0xD1:
      writeOutputPort(value);
      return;
    case 0xD2:
      respond(value, false);
      return;
    case 0xD3:
      respond(value, true);
      return;
    case 0xD4:
      TANDEM_LOG("i8042", Debug, "byte 0x%02x for the AUX device dropped: none attached", value);
      return;
    default:
      TANDEM_LOG("i8042", Debug, "byte 0x%02x for the keyboard dropped: none attached", value);
      return;
  }
}

void I8042::writeCommand(uint8_t command) {
  s_.last_command = 1;
  s_.pending = 0;
  if (command >= 0x20 && command <= 0x3F) {
    respond(s_.ram[command & 0x1F], false);
    return;
  }
  if ((command >= 0x60 && command <= 0x7F) || (command >= 0xD1 && command <= 0xD4)) {
    s_.pending = command;
    return;
  }
  if (command >= 0xF0) {
    // Pulse the output lines whose bit is clear; line 0 is the reset line.
    if (!(command & 1)) machine_.requestReset(ResetSource::kKeyboardController);
    return;
  }
  switch (command) {
    case 0xA7:
      setCommandByteBit(kAuxDisable, true);
      return;
    case 0xA8:
      setCommandByteBit(kAuxDisable, false);
      return;
    case 0xA9:  // AUX interface test: no error
    case 0xAB:  // keyboard interface test: no error
      respond(0x00, false);
      return;
    case 0xAA:  // controller self-test: passed
      respond(0x55, false);
      return;
    case 0xAD:
      setCommandByteBit(kKeyboardDisable, true);
      return;
    case 0xAE:
      setCommandByteBit(kKeyboardDisable, false);
      return;
    case 0xD0:
      respond(static_cast<uint8_t>(s_.output_port | (s_.output_full && !s_.output_aux) << 4 |
                                   (s_.output_full && s_.output_aux) << 5),
              false);
      return;
    case 0xDD:
      writeOutputPort(s_.output_port & ~kOutA20);
      return;
    case 0xDF:
      writeOutputPort(s_.output_port | kOutA20);
      return;
    default:
      TANDEM_LOG("i8042", Debug, "command 0x%02x ignored", command);
      return;
  }
}

}  // namespace tandem
