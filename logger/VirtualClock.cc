#include "logger/VirtualClock.h"

#include <algorithm>

#include "vmm/Assert.h"

namespace tandem {

VirtualClock::VirtualClock(uint64_t ps_per_instruction, int64_t boot_epoch_seconds)
    : ps_per_instruction_(ps_per_instruction), boot_epoch_(boot_epoch_seconds) {
  TANDEM_ASSERT(ps_per_instruction_ >= 1);
}

uint64_t VirtualClock::instructionNs(Icount at) const {
  unsigned __int128 ps = static_cast<unsigned __int128>(at.value()) * ps_per_instruction_;
  return static_cast<uint64_t>(ps / 1000);
}

uint64_t VirtualClock::clockNs(Icount at, ClockRead) {
  return instructionNs(at) + s_.idle_ns;
}

Icount VirtualClock::firstIcountAt(uint64_t ns) const {
  if (ns <= s_.idle_ns) return Icount(0);
  // The smallest n with floor(n * ps / 1000) >= ns - idle.
  unsigned __int128 ps = static_cast<unsigned __int128>(ns - s_.idle_ns) * 1000;
  return Icount(static_cast<uint64_t>((ps + ps_per_instruction_ - 1) / ps_per_instruction_));
}

size_t VirtualClock::serialInput(Icount, uint8_t* out, size_t max) {
  size_t n = std::min(max, input_.size());
  std::copy_n(input_.begin(), n, out);
  input_.erase(input_.begin(), input_.begin() + static_cast<ptrdiff_t>(n));
  return n;
}

void VirtualClock::idleUntil(Icount at, uint64_t deadline_ns) {
  // Input already waiting wakes the guest now; with no deadline there is
  // nothing to skip to.
  if (!input_.empty() || deadline_ns == UINT64_MAX) return;
  uint64_t now = clockNs(at, ClockRead::kIdle);
  if (deadline_ns > now) s_.idle_ns += deadline_ns - now;
}

void VirtualClock::feedInput(std::span<const uint8_t> bytes) {
  input_.insert(input_.end(), bytes.begin(), bytes.end());
}

}  // namespace tandem
