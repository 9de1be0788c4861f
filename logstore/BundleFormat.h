// The byte layout of a bundle file (*.tandem). All integers little-endian.
//
//   file header   24 bytes   magic "\x89TND\r\n\x1a\n" (8), major u16, minor u16,
//                            header size u32 (24), flags u32 (0), CRC32C of bytes 0-19
//   section*                 each: section header (32 bytes) + payload
//   INDEX section            a BundleIndex naming every other section
//   trailer       24 bytes   index offset u64, file size u64, magic "TEND" (4),
//                            CRC32C of bytes 0-19
//
//   section header 32 bytes  magic "TSEC" (4), type u16, codec u16,
//                            stored length u64 (payload bytes in the file),
//                            raw length u64 (payload bytes after decoding),
//                            CRC32C of the stored payload u32,
//                            CRC32C of header bytes 0-27 u32
//
// The magic's first byte is not ASCII and it holds CR LF, ^Z and LF, so a
// bundle mangled by a text-mode transfer is recognised (as PNG does). The
// trailer lets a reader find the index with two small reads from the end;
// the index lets it go straight to a snapshot or to the events near an
// icount. Section payloads are described in logstore/tandem.proto.
//
// A reader refuses a major version it does not know and accepts any minor
// version of a major it knows, skipping section types it does not know.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "vmm/Result.h"

namespace tandem {

constexpr uint8_t kBundleMagic[8] = {0x89, 'T', 'N', 'D', '\r', '\n', 0x1A, '\n'};
constexpr uint16_t kFormatMajor = 1;
// Minor 1: clock readings carry the rate guest time goes on at
// (ClockReading.ps_per_insn), a snapshot's replay clock its anchor, and the
// failure record the icount where the kernel's report began
// (FailureRecord.report_icount); a minor-0 bundle's readings all go on at
// one nanosecond per instruction and its failures have no report point.
constexpr uint16_t kFormatMinor = 1;

constexpr size_t kFileHeaderSize = 24;
constexpr size_t kSectionHeaderSize = 32;
constexpr size_t kTrailerSize = 24;

enum class SectionType : uint16_t {
  kManifest = 1,
  kSnapshot = 2,
  kPages = 3,
  kEvents = 4,
  kIndex = 5,
};

enum class Codec : uint16_t {
  kNone = 0,  // payload stored as is
  kZstd = 1,  // payload is one zstd frame
};

// Checksums and page digests are always checked, except in a fuzzing build,
// where they would stop nearly every mutated input before it reached the
// parsers behind them (their own checks are covered by unit tests).
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kCheckIntegrity = false;
#else
constexpr bool kCheckIntegrity = true;
#endif

// Sanity limits: a reader refuses anything larger before allocating for it.
constexpr uint64_t kMaxSectionBytes = 64ull << 20;   // stored or raw payload
constexpr uint64_t kMaxSections = 1ull << 20;
constexpr uint64_t kMaxGuestMemory = 64ull << 30;    // 36-bit physical (PAE)
constexpr uint32_t kMaxSnapshots = 4096;
constexpr uint32_t kMaxEventsPerChunk = 65536;
constexpr uint32_t kMaxSerialInputBytes = 4096;
constexpr uint32_t kMaxDigestBytes = 64;
constexpr uint32_t kMaxDevices = 256;
constexpr uint32_t kMaxDeviceStateBytes = 1u << 20;
constexpr uint32_t kMaxClockStateBytes = 64u << 10;

struct FileHeader {
  uint16_t major = kFormatMajor;
  uint16_t minor = kFormatMinor;
};

struct SectionHeader {
  uint16_t type = 0;  // a SectionType; unknown values are skipped by readers
  Codec codec = Codec::kNone;
  uint64_t stored_length = 0;
  uint64_t raw_length = 0;
  uint32_t payload_crc = 0;
};

struct Trailer {
  uint64_t index_offset = 0;
  uint64_t file_size = 0;
};

const char* sectionTypeName(uint16_t type);

void encodeFileHeader(const FileHeader& h, uint8_t out[kFileHeaderSize]);
void encodeSectionHeader(const SectionHeader& h, uint8_t out[kSectionHeaderSize]);
void encodeTrailer(const Trailer& t, uint8_t out[kTrailerSize]);

// Decoders check magic, checksum, version and limits. Their error messages
// say what is wrong; the caller adds the file name and offset.
Result<FileHeader> decodeFileHeader(const uint8_t in[kFileHeaderSize]);
Result<SectionHeader> decodeSectionHeader(const uint8_t in[kSectionHeaderSize]);
Result<Trailer> decodeTrailer(const uint8_t in[kTrailerSize]);

inline void putLe16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
inline void putLe32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void putLe64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint16_t getLe16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t getLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t getLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the bundle helpers assume a little-endian host");

}  // namespace tandem
