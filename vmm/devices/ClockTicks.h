// Exact conversion between guest nanoseconds and the ticks of a device's
// input clock, in integer arithmetic so that nothing drifts however long
// the guest runs.
#pragma once

#include <cstdint>

namespace tandem {

constexpr uint64_t kNsPerSecond = 1000000000;

// Ticks of a `hz` clock completed at guest time `ns` (both counted from power-on).
constexpr uint64_t ticksAtNs(uint64_t ns, uint64_t hz) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(ns) * hz / kNsPerSecond);
}

// The first guest time at which `ticks` ticks of a `hz` clock have completed,
// saturating just below UINT64_MAX (which means "never").
constexpr uint64_t nsAtTicks(uint64_t ticks, uint64_t hz) {
  unsigned __int128 ns = (static_cast<unsigned __int128>(ticks) * kNsPerSecond + hz - 1) / hz;
  return ns >= UINT64_MAX ? UINT64_MAX - 1 : static_cast<uint64_t>(ns);
}

}  // namespace tandem
