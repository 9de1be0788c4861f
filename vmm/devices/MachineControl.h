// Requests that devices make of the machine as a whole: reset it, power it
// off, or change the A20 gate. The board carries them out between
// instructions; a device that requests a reset is itself reset with the rest.
#pragma once

#include <cstdint>

namespace tandem {

enum class ResetSource : uint8_t {
  kKeyboardController,  // i8042 command 0xFE (or an output-port write clearing bit 0)
  kPort92,              // fast reset through System Control Port A
  kResetControl,        // the chipset's reset control register at 0xCF9
};

enum class A20Source : uint8_t {
  kKeyboardController,  // i8042 output port bit 1
  kPort92,              // System Control Port A bit 1
};

class MachineControl {
 public:
  virtual ~MachineControl() = default;
  virtual void requestReset(ResetSource source) = 0;
  virtual void requestPowerOff() = 0;
  // A20 is enabled while any source enables it.
  virtual void setA20(A20Source source, bool enabled) = 0;
};

inline const char* resetSourceName(ResetSource s) {
  switch (s) {
    case ResetSource::kKeyboardController:
      return "keyboard controller reset";
    case ResetSource::kPort92:
      return "port 0x92 fast reset";
    case ResetSource::kResetControl:
      return "reset control register (0xCF9)";
  }
  return "reset";
}

}  // namespace tandem
