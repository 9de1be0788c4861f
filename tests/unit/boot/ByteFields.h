// Little-endian fields in byte buffers, for building boot images in tests
// and reading back what a loader wrote into guest memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace tandem::test {

constexpr uint64_t kMiB = 1 << 20;

inline uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Fields of an image under construction.
struct ByteFields {
  std::vector<uint8_t> bytes;

  void set8(size_t at, uint8_t v) { bytes[at] = v; }
  void set16(size_t at, uint16_t v) { std::memcpy(&bytes[at], &v, 2); }
  void set32(size_t at, uint32_t v) { std::memcpy(&bytes[at], &v, 4); }
};

}  // namespace tandem::test
