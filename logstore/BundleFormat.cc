#include "logstore/BundleFormat.h"

#include <cstdio>

#include "logstore/Crc32c.h"

namespace tandem {
namespace {

constexpr uint8_t kSectionMagic[4] = {'T', 'S', 'E', 'C'};
constexpr uint8_t kTrailerMagic[4] = {'T', 'E', 'N', 'D'};

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string checksumMismatch(const char* what, uint32_t stored, uint32_t computed) {
  return std::string(what) + " checksum mismatch (stored " + hex32(stored) + ", computed " +
         hex32(computed) + ")";
}

}  // namespace

const char* sectionTypeName(uint16_t type) {
  switch (static_cast<SectionType>(type)) {
    case SectionType::kManifest: return "MANIFEST";
    case SectionType::kSnapshot: return "SNAPSHOT";
    case SectionType::kPages: return "PAGES";
    case SectionType::kEvents: return "EVENTS";
    case SectionType::kIndex: return "INDEX";
  }
  return "UNKNOWN";
}

void encodeFileHeader(const FileHeader& h, uint8_t out[kFileHeaderSize]) {
  std::memcpy(out, kBundleMagic, 8);
  putLe16(out + 8, h.major);
  putLe16(out + 10, h.minor);
  putLe32(out + 12, kFileHeaderSize);
  putLe32(out + 16, 0);
  putLe32(out + 20, crc32c(out, 20));
}

Result<FileHeader> decodeFileHeader(const uint8_t in[kFileHeaderSize]) {
  if (std::memcmp(in, kBundleMagic, 8) != 0) return makeError("not a tandem bundle (wrong magic)");
  FileHeader h;
  h.major = getLe16(in + 8);
  h.minor = getLe16(in + 10);
  uint32_t stored = getLe32(in + 20), computed = crc32c(in, 20);
  if (kCheckIntegrity && stored != computed) return makeError(checksumMismatch("file header", stored, computed));
  if (h.major != kFormatMajor)
    return makeError("format version " + std::to_string(h.major) + "." + std::to_string(h.minor) +
                     " is not supported (this tandem reads " + std::to_string(kFormatMajor) +
                     ".x)");
  if (getLe32(in + 12) != kFileHeaderSize)
    return makeError("file header size " + std::to_string(getLe32(in + 12)) + " is not " +
                     std::to_string(kFileHeaderSize));
  return h;
}

void encodeSectionHeader(const SectionHeader& h, uint8_t out[kSectionHeaderSize]) {
  std::memcpy(out, kSectionMagic, 4);
  putLe16(out + 4, h.type);
  putLe16(out + 6, static_cast<uint16_t>(h.codec));
  putLe64(out + 8, h.stored_length);
  putLe64(out + 16, h.raw_length);
  putLe32(out + 24, h.payload_crc);
  putLe32(out + 28, crc32c(out, 28));
}

Result<SectionHeader> decodeSectionHeader(const uint8_t in[kSectionHeaderSize]) {
  if (std::memcmp(in, kSectionMagic, 4) != 0)
    return makeError("no section header here (wrong section magic)");
  uint32_t stored = getLe32(in + 28), computed = crc32c(in, 28);
  if (kCheckIntegrity && stored != computed) return makeError(checksumMismatch("section header", stored, computed));
  SectionHeader h;
  h.type = getLe16(in + 4);
  uint16_t codec = getLe16(in + 6);
  h.stored_length = getLe64(in + 8);
  h.raw_length = getLe64(in + 16);
  h.payload_crc = getLe32(in + 24);
  if (codec > static_cast<uint16_t>(Codec::kZstd))
    return makeError("unknown codec " + std::to_string(codec));
  h.codec = static_cast<Codec>(codec);
  if (h.stored_length > kMaxSectionBytes || h.raw_length > kMaxSectionBytes)
    return makeError("section of " + std::to_string(h.stored_length) + " stored / " +
                     std::to_string(h.raw_length) + " raw bytes exceeds the limit of " +
                     std::to_string(kMaxSectionBytes));
  if (h.codec == Codec::kNone && h.raw_length != h.stored_length)
    return makeError("uncompressed section with raw length " + std::to_string(h.raw_length) +
                     " != stored length " + std::to_string(h.stored_length));
  return h;
}

void encodeTrailer(const Trailer& t, uint8_t out[kTrailerSize]) {
  putLe64(out, t.index_offset);
  putLe64(out + 8, t.file_size);
  std::memcpy(out + 16, kTrailerMagic, 4);
  putLe32(out + 20, crc32c(out, 20));
}

Result<Trailer> decodeTrailer(const uint8_t in[kTrailerSize]) {
  if (std::memcmp(in + 16, kTrailerMagic, 4) != 0)
    return makeError("no trailer (the file is truncated or was never finished)");
  uint32_t stored = getLe32(in + 20), computed = crc32c(in, 20);
  if (kCheckIntegrity && stored != computed) return makeError(checksumMismatch("trailer", stored, computed));
  Trailer t;
  t.index_offset = getLe64(in);
  t.file_size = getLe64(in + 8);
  return t;
}

}  // namespace tandem
