// The guest's serial console as the command line sees it: output to a file
// descriptor (the terminal), a copy of the last bytes for reports, and input
// from the user with the Ctrl-A x escape.
#pragma once

#include <cstdint>
#include <string>

#include "tools/Terminal.h"
#include "vmm/Door.h"
#include "vmm/devices/ConsoleSink.h"

namespace tandem::cli {

class ConsoleOutput final : public ConsoleSink {
 public:
  // `fd` < 0 discards the output (the tail is still kept).
  explicit ConsoleOutput(int fd, size_t tail_bytes = 64 * 1024);
  ~ConsoleOutput() override;

  void consoleWrite(uint8_t byte) override;
  void flush();
  const std::string& tail() const { return tail_; }
  uint64_t bytesWritten() const { return total_; }

 private:
  int fd_;
  size_t tail_max_;
  std::string buf_;
  std::string tail_;
  uint64_t total_ = 0;
};

// A door that passes everything to `inner` but filters console input for
// the escape sequence, and (for a clock that takes no input from the host
// itself) reads the user's input from `input_fd` and feeds it through
// `feed`. Output is flushed whenever the guest asks for input.
class ConsoleDoor final : public Door {
 public:
  using FeedFn = void (*)(Door& inner, const uint8_t* bytes, size_t n);
  ConsoleDoor(Door& inner, ConsoleOutput& out, int input_fd, FeedFn feed);

  uint64_t clockNs(Icount at, ClockRead why) override { return inner_.clockNs(at, why); }
  int64_t bootEpochSeconds() override { return inner_.bootEpochSeconds(); }
  size_t serialInput(Icount at, uint8_t* out, size_t max) override;
  void idleUntil(Icount at, uint64_t deadline_ns) override;
  std::optional<uint64_t> icountAtNs(uint64_t ns) const override { return inner_.icountAtNs(ns); }
  bool inputPossible() const override { return feed_ != nullptr || inner_.inputPossible(); }
  uint32_t psPerInstruction() const override { return inner_.psPerInstruction(); }
  void hostPaused(uint64_t ns) override { inner_.hostPaused(ns); }

  bool quitRequested() const { return escape_.quitRequested(); }

 private:
  Door& inner_;
  ConsoleOutput& out_;
  int input_fd_;
  FeedFn feed_;
  EscapeFilter escape_;
};

}  // namespace tandem::cli
