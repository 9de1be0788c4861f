// Port 0x80, where firmware writes power-on self-test codes and Linux writes
// to delay I/O. Nothing acts on it; the last code is kept for diagnostics.
// Reads return all-ones, as from an empty port.
#pragma once

#include "vmm/IoBus.h"
#include "vmm/devices/PlainStateDevice.h"

namespace tandem {

struct PostCodePortState {
  uint8_t last_code;
};

class PostCodePort final : public PlainStateDevice<PostCodePortState> {
 public:
  Status attach(IoBus& ports);

  const char* name() const override { return "port80"; }
  void reset() override { s_ = {}; }

  uint8_t lastCode() const { return s_.last_code; }
};

}  // namespace tandem
