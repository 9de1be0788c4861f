// Reads a struct out of the bytes of an ELF file a test built.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace tandem::testing {

template <typename T>
T at(const std::vector<uint8_t>& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace tandem::testing
