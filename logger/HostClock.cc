#include "logger/HostClock.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
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

namespace {

// The rate between meetings stays within 1,000 MIPS and 1 MIPS (a process
// stopped for a while gives no sensible speed).
constexpr uint64_t kMinPs = 1'000;
constexpr uint64_t kMaxPs = 1'000'000;
// A window shorter than this gives a rate too noisy to use.
constexpr uint64_t kMinWindowNs = 1'000'000;
// Guest time this close to the host's needs no meeting at a poll.
constexpr uint64_t kToleranceNs = 2'000'000;

}  // namespace

uint64_t HostClock::clockNs(Icount at, ClockRead why) {
  if (met_ && why != ClockRead::kPoll && why != ClockRead::kIdle) return line_.at(at);
  return meet(at, why == ClockRead::kIdle);
}

uint64_t HostClock::meet(Icount at, bool after_idle) {
  uint64_t host = monotonicNs() - start_ns_;
  uint64_t predicted = line_.at(at);
  if (met_ && !after_idle && (host > predicted ? host - predicted : predicted - host) < kToleranceNs)
    return predicted;
  uint64_t ns = std::max(host, predicted);
  uint64_t ps = line_.ps_per_insn;
  if (!met_ || after_idle) {
    // Idle time says nothing about the speed: measure from here.
    window_icount_ = at.value();
    window_host_ns_ = host;
  } else if (host - window_host_ns_ >= kMinWindowNs && at.value() > window_icount_) {
    uint64_t measured = (host - window_host_ns_) * 1000 / (at.value() - window_icount_);
    // Slightly slower than measured, so that guest time lags the host's a
    // little between meetings and each meeting moves it forward; ahead of
    // the host, half that until the host catches up.
    measured -= measured / 16;
    if (predicted > host) measured /= 2;
    ps = std::clamp<uint64_t>((ps * 3 + measured) / 4, kMinPs, kMaxPs);
    window_icount_ = at.value();
    window_host_ns_ = host;
  }
  // A meeting that changes nothing keeps the course (and its anchor).
  if (!met_ || ns != predicted || ps != line_.ps_per_insn)
    line_ = ClockLine::from(at, ns, static_cast<uint32_t>(ps));
  met_ = true;
  return ns;
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
