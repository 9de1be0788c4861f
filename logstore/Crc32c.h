// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected, initial value and
// final XOR 0xFFFFFFFF), the checksum of every bundle section. Uses the
// SSE4.2 CRC32 instruction when the host has it, else a table-driven
// software version; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tandem {

// Checksum of `len` bytes.
uint32_t crc32c(const void* data, size_t len);

// Continues a checksum: crc32cExtend(crc32c(a), b) == crc32c(a followed by b).
uint32_t crc32cExtend(uint32_t crc, const void* data, size_t len);

// The software version, exposed so tests can compare it with the hardware one.
uint32_t crc32cExtendPortable(uint32_t crc, const void* data, size_t len);

}  // namespace tandem
