// A page record: one guest page's content inside a PAGES section, and the
// unit the archive's page store deduplicates.
//
//   sha256 of the 4096-byte page  32 bytes
//   encoding                       u8   0 raw, 1 zstd
//   payload length                 u16  raw: 4096; zstd: 1 .. 4095
//   payload                        the page, or one zstd frame that decodes to it
//
// A page is stored raw when compressing does not make it smaller, so a
// record is never larger than the page plus its 35-byte header. Pages of
// zeros are never stored (see PageRef in tandem.proto).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "logstore/Sha256.h"
#include "vmm/Result.h"
#include "vmm/Types.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace tandem {

enum class PageEncoding : uint8_t { kRaw = 0, kZstd = 1 };

constexpr size_t kPageRecordHeaderSize = 35;
constexpr size_t kMaxPageRecordSize = kPageRecordHeaderSize + kPageSize;

// SHA-256 of a page of zeros.
const Sha256Digest& zeroPageDigest();
bool isZeroPage(const uint8_t* page);

// A record parsed in place (no copy, nothing decoded yet).
struct PageRecordView {
  Sha256Digest sha256;
  PageEncoding encoding;
  std::span<const uint8_t> payload;
  size_t size() const { return kPageRecordHeaderSize + payload.size(); }
  // The record's bytes after the hash: what the archive's page store keeps.
  std::span<const uint8_t> body;
};

// Parses the record at the start of `bytes`; checks the header, not the content.
Result<PageRecordView> parsePageRecord(std::span<const uint8_t> bytes);

// Compresses pages into records with one reusable zstd context.
class PageEncoder {
 public:
  explicit PageEncoder(int zstd_level);
  ~PageEncoder();
  PageEncoder(const PageEncoder&) = delete;
  PageEncoder& operator=(const PageEncoder&) = delete;
  // Writes the record of `page` (kPageSize bytes, digest `sha`) to `out`,
  // which has room for kMaxPageRecordSize bytes; returns its size.
  size_t encode(const uint8_t* page, const Sha256Digest& sha, uint8_t* out);
  // The same, appended to `out`.
  void append(const uint8_t* page, const Sha256Digest& sha, std::vector<uint8_t>& out);

 private:
  ZSTD_CCtx_s* cctx_;
};

// Decodes records back into pages, checking each page against its digest.
class PageDecoder {
 public:
  PageDecoder();
  ~PageDecoder();
  PageDecoder(const PageDecoder&) = delete;
  PageDecoder& operator=(const PageDecoder&) = delete;
  // Writes the kPageSize bytes of the page to `page`. The error says what
  // was wrong (bad zstd data, wrong size, digest mismatch).
  Status decode(const PageRecordView& rec, uint8_t* page);

 private:
  ZSTD_DCtx_s* dctx_;
  Sha256 sha_;
};

}  // namespace tandem
