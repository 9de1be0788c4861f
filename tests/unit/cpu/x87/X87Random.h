// Random x87 states and operands that lean towards the interesting cases:
// zeros, denormals, infinities, NaNs, the encodings the 387 stopped
// supporting, values at the edges of integer and BCD ranges, empty and full
// stacks, every rounding and precision control, masked and unmasked
// exceptions. Seeded, so a failure can be reproduced.
#pragma once

#include <cstdint>
#include <random>

#include "vmm/cpu/CpuState.h"
#include "vmm/cpu/X87State.h"

namespace tandem::test {

class X87Random {
 public:
  explicit X87Random(uint64_t seed) : rng_(seed) {}

  uint64_t bits() { return rng_(); }
  unsigned below(unsigned n) { return unsigned(rng_() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }

  F80 value();
  // A state with no pending unmasked exception (the host would trap at once).
  FpuState state(bool all_masked);
  // Memory operand bytes for an operand of `size` bytes (2, 4, 8, 10).
  void operand(uint8_t* out, unsigned size);

 private:
  uint64_t mantissa();
  std::mt19937_64 rng_;
};

}  // namespace tandem::test
