// A small deterministic random source (xoshiro256**, seeded through
// splitmix64) so that a seed names a test program exactly, on every host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::diff {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  // Uniform in [0, n); n > 0.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
  // Uniform in [lo, hi].
  int32_t range(int32_t lo, int32_t hi) {
    return lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo) + 1));
  }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(static_cast<uint32_t>(v.size()))];
  }
  template <typename T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }
  // A 32-bit value biased towards the edges where arithmetic goes wrong:
  // zero, all-ones, sign boundaries, small numbers, single bits.
  uint32_t interesting32() {
    switch (below(8)) {
      case 0: return 0;
      case 1: return 0xFFFFFFFFu - below(3);
      case 2: return 0x80000000u + below(3) - 1;
      case 3: return below(16);
      case 4: return 1u << below(32);
      case 5: return 0x7FFFFFFFu - below(2);
      default: return u32();
    }
  }
  // The same idea for an operand of `bits` bits, sign-extended edges included.
  uint32_t interesting(unsigned bits) {
    if (bits == 32) return interesting32();
    const uint32_t mask = (1u << bits) - 1;
    const uint32_t half = 1u << (bits - 1);
    switch (below(7)) {
      case 0: return 0;
      case 1: return mask;
      case 2: return half + below(3) - 1;
      case 3: return below(16) & mask;
      case 4: return (1u << below(bits)) & mask;
      default: return u32() & mask;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace tandem::diff
