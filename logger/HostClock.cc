#include "logger/HostClock.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/Log.h"

namespace tandem {

HostClock::HostClock(int input_fd) : input_fd_(input_fd), start_ns_(monotonicNs()) {
  struct timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  boot_epoch_ = real.tv_sec;
}

uint64_t HostClock::monotonicNs() const {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000 + uint64_t(ts.tv_nsec);
}

uint64_t HostClock::clockNs(Icount, ClockRead) {
  uint64_t now = monotonicNs() - start_ns_;
  if (now > last_ns_) last_ns_ = now;
  return last_ns_;
}

size_t HostClock::serialInput(Icount, uint8_t* out, size_t max) {
  if (!inputReadable() || max == 0) return 0;
  struct pollfd p = {input_fd_, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return 0;
  ssize_t n = read(input_fd_, out, max);
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    input_closed_ = true;
    TANDEM_LOG("clock", Info, "serial input closed");
  }
  return 0;
}

void HostClock::idleUntil(Icount at, uint64_t deadline_ns) {
  bool watch_input = inputReadable();
  if (deadline_ns == UINT64_MAX && !watch_input) return;  // nothing could ever wake it
  uint64_t now = clockNs(at, ClockRead::kIdle);
  if (deadline_ns <= now) return;
  struct pollfd p = {watch_input ? input_fd_ : -1, POLLIN, 0};
  struct timespec wait;
  struct timespec* timeout = nullptr;
  if (deadline_ns != UINT64_MAX) {
    uint64_t left = deadline_ns - now;
    wait.tv_sec = static_cast<time_t>(left / 1000000000);
    wait.tv_nsec = static_cast<long>(left % 1000000000);
    timeout = &wait;
  }
  // Returns early on input or a signal; the board checks the time again.
  ppoll(&p, 1, timeout, nullptr);
}

}  // namespace tandem
