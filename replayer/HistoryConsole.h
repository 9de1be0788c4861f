// A console that shows each byte once. When time travel runs the guest
// again through history it has already shown, the guest writes the same
// bytes again; they are dropped while the console is muted.
#pragma once

#include "vmm/devices/ConsoleSink.h"

namespace tandem {

class HistoryConsole final : public ConsoleSink {
 public:
  explicit HistoryConsole(ConsoleSink& out) : out_(out) {}

  void consoleWrite(uint8_t byte) override {
    if (!muted_) out_.consoleWrite(byte);
  }
  void setMuted(bool muted) { muted_ = muted; }
  bool muted() const { return muted_; }

 private:
  ConsoleSink& out_;
  bool muted_ = false;
};

}  // namespace tandem
