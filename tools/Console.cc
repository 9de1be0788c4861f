#include "tools/Console.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace tandem::cli {

ConsoleOutput::ConsoleOutput(int fd, size_t tail_bytes) : fd_(fd), tail_max_(tail_bytes) {}

ConsoleOutput::~ConsoleOutput() { flush(); }

void ConsoleOutput::consoleWrite(uint8_t byte) {
  ++total_;
  if (fd_ >= 0) {
    buf_.push_back(static_cast<char>(byte));
    if (byte == '\n' || buf_.size() >= 4096) flush();
  }
  tail_.push_back(static_cast<char>(byte));
  if (tail_.size() > 2 * tail_max_) tail_.erase(0, tail_.size() - tail_max_);
}

void ConsoleOutput::flush() {
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // the terminal went away: drop the output, keep running
    }
    off += static_cast<size_t>(n);
  }
  buf_.clear();
}

ConsoleDoor::ConsoleDoor(Door& inner, ConsoleOutput& out, int input_fd, FeedFn feed)
    : inner_(inner), out_(out), input_fd_(input_fd), feed_(feed) {}

size_t ConsoleDoor::serialInput(Icount at, uint8_t* out, size_t max) {
  out_.flush();
  if (feed_ && input_fd_ >= 0) {
    pollfd p{input_fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      uint8_t buf[256];
      ssize_t n = ::read(input_fd_, buf, sizeof buf);
      if (n > 0) {
        size_t kept = escape_.filter(buf, static_cast<size_t>(n));
        feed_(inner_, buf, kept);
      }
    }
  }
  size_t n = inner_.serialInput(at, out, max);
  if (!feed_) n = escape_.filter(out, n);
  return n;
}

void ConsoleDoor::idleUntil(Icount at, uint64_t deadline_ns) {
  out_.flush();
  inner_.idleUntil(at, deadline_ns);
}

}  // namespace tandem::cli
