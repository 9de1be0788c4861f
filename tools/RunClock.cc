#include "tools/RunClock.h"

#include "vmm/Assert.h"

namespace tandem::cli {

const char* clockModeName(ClockMode mode) {
  return mode == ClockMode::kVirtual ? "virtual" : "host";
}

RunClock::RunClock(ClockMode mode, int input_fd) : mode_(mode) {
  if (mode == ClockMode::kVirtual)
    virtual_ = std::make_unique<VirtualClock>();
  else
    host_ = std::make_unique<HostClock>(input_fd);
}

void RunClock::feedInput(std::span<const uint8_t> bytes) {
  TANDEM_ASSERT(virtual_);
  virtual_->feedInput(bytes);
}

uint64_t RunClock::clockNs(Icount at, ClockRead why) {
  return inner().clockNs(at, why) + shift_ns_;
}

void RunClock::idleUntil(Icount at, uint64_t deadline_ns) {
  if (deadline_ns != UINT64_MAX)
    deadline_ns = deadline_ns > shift_ns_ ? deadline_ns - shift_ns_ : 0;
  inner().idleUntil(at, deadline_ns);
}

std::optional<uint64_t> RunClock::icountAtNs(uint64_t ns) const {
  return inner().icountAtNs(ns > shift_ns_ ? ns - shift_ns_ : 0);
}

ClockSnapshot RunClock::save(Icount at) {
  ClockSnapshot s{};
  s.mode = mode_;
  s.guest_ns = clockNs(at, ClockRead::kPoll);
  if (virtual_) s.virtual_state = virtual_->state();
  return s;
}

Status RunClock::restore(const ClockSnapshot& s, Icount at) {
  if (s.mode != mode_)
    return makeError(std::string("the machine was saved with --clock ") + clockModeName(s.mode) +
                     ", not " + clockModeName(mode_));
  if (virtual_) {
    virtual_->setState(s.virtual_state);
    if (virtual_->clockNs(at, ClockRead::kPoll) != s.guest_ns)
      return makeError("the virtual clock's saved state does not give the saved guest time");
    return {};
  }
  shift_ns_ = 0;
  uint64_t now = host_->clockNs(at, ClockRead::kPoll);
  shift_ns_ = s.guest_ns > now ? s.guest_ns - now : 0;
  return {};
}

}  // namespace tandem::cli
