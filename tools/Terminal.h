// The user's terminal as the guest's serial console: raw mode while the
// guest runs (restored on every exit path), and an escape sequence to leave.
#pragma once

#include <termios.h>

#include <cstddef>

namespace tandem::cli {

class RawTerminal {
 public:
  // Puts `fd` in raw mode if it is a terminal; otherwise does nothing.
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  bool active() const { return active_; }

 private:
  int fd_;
  bool active_ = false;
  termios saved_{};
};

// Watches console input for the escape sequence Ctrl-A x (as QEMU's -nographic
// console does); Ctrl-A Ctrl-A sends one Ctrl-A to the guest.
class EscapeFilter {
 public:
  // Filters `n` bytes in place; returns how many remain for the guest.
  size_t filter(unsigned char* buf, size_t n);
  bool quitRequested() const { return quit_; }

 private:
  bool pending_ = false;
  bool quit_ = false;
};

}  // namespace tandem::cli
