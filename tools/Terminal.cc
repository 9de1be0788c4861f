#include "tools/Terminal.h"

#include <unistd.h>

namespace tandem::cli {

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!isatty(fd) || tcgetattr(fd, &saved_) != 0) return;
  termios raw = saved_;
  cfmakeraw(&raw);
  raw.c_oflag |= OPOST | ONLCR;  // keep newline translation for our own messages
  if (tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
}

RawTerminal::~RawTerminal() {
  if (active_) tcsetattr(fd_, TCSANOW, &saved_);
}

size_t EscapeFilter::filter(unsigned char* buf, size_t n) {
  constexpr unsigned char kCtrlA = 0x01;
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = buf[i];
    if (pending_) {
      pending_ = false;
      if (c == 'x' || c == 'X') {
        quit_ = true;
        continue;
      }
      if (c == kCtrlA) {
        buf[out++] = kCtrlA;
        continue;
      }
      continue;  // unknown escape: dropped
    }
    if (c == kCtrlA) {
      pending_ = true;
      continue;
    }
    buf[out++] = c;
  }
  return out;
}

}  // namespace tandem::cli
