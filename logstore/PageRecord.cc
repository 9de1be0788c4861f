#include "logstore/PageRecord.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <cstring>
#include <new>

#include "logstore/BundleFormat.h"
#include "vmm/Assert.h"

namespace tandem {

const Sha256Digest& zeroPageDigest() {
  static const Sha256Digest d = [] {
    uint8_t zeros[kPageSize] = {};
    return sha256(zeros, sizeof zeros);
  }();
  return d;
}

bool isZeroPage(const uint8_t* page) {
  uint64_t acc = 0;
  for (size_t i = 0; i < kPageSize; i += 8) {
    uint64_t v;
    std::memcpy(&v, page + i, 8);
    acc |= v;
  }
  return acc == 0;
}

Result<PageRecordView> parsePageRecord(std::span<const uint8_t> bytes) {
  if (bytes.size() < kPageRecordHeaderSize)
    return makeError("page record header cut short (" + std::to_string(bytes.size()) + " of " +
                     std::to_string(kPageRecordHeaderSize) + " bytes)");
  PageRecordView v;
  std::memcpy(v.sha256.data(), bytes.data(), 32);
  uint8_t enc = bytes[32];
  uint16_t len = getLe16(bytes.data() + 33);
  if (enc == static_cast<uint8_t>(PageEncoding::kRaw)) {
    if (len != kPageSize) return makeError("raw page record of " + std::to_string(len) + " bytes");
  } else if (enc == static_cast<uint8_t>(PageEncoding::kZstd)) {
    if (len == 0 || len >= kPageSize)
      return makeError("compressed page record of " + std::to_string(len) + " bytes");
  } else {
    return makeError("page record with unknown encoding " + std::to_string(enc));
  }
  if (bytes.size() - kPageRecordHeaderSize < len)
    return makeError("page record payload cut short (" +
                     std::to_string(bytes.size() - kPageRecordHeaderSize) + " of " +
                     std::to_string(len) + " bytes)");
  v.encoding = static_cast<PageEncoding>(enc);
  v.payload = bytes.subspan(kPageRecordHeaderSize, len);
  v.body = bytes.subspan(32, 3 + len);
  return v;
}

PageEncoder::PageEncoder(int zstd_level) : cctx_(ZSTD_createCCtx()) {
  if (!cctx_) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, zstd_level);
}

PageEncoder::~PageEncoder() { ZSTD_freeCCtx(cctx_); }

size_t PageEncoder::encode(const uint8_t* page, const Sha256Digest& sha, uint8_t* out) {
  // Compressing into kPageSize - 1 bytes fails exactly when compression
  // would not make the page smaller; the page is then stored raw.
  uint8_t* payload = out + kPageRecordHeaderSize;
  size_t n = ZSTD_compress2(cctx_, payload, kPageSize - 1, page, kPageSize);
  bool raw = ZSTD_isError(n);
  if (raw) {
    TANDEM_ASSERT(ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall);
    std::memcpy(payload, page, kPageSize);
    n = kPageSize;
  }
  std::memcpy(out, sha.data(), 32);
  out[32] = static_cast<uint8_t>(raw ? PageEncoding::kRaw : PageEncoding::kZstd);
  putLe16(out + 33, static_cast<uint16_t>(n));
  return kPageRecordHeaderSize + n;
}

void PageEncoder::append(const uint8_t* page, const Sha256Digest& sha, std::vector<uint8_t>& out) {
  size_t at = out.size();
  out.resize(at + kMaxPageRecordSize);
  out.resize(at + encode(page, sha, out.data() + at));
}

PageDecoder::PageDecoder() : dctx_(ZSTD_createDCtx()) {
  if (!dctx_) throw std::bad_alloc();
}

PageDecoder::~PageDecoder() { ZSTD_freeDCtx(dctx_); }

Status PageDecoder::decode(const PageRecordView& rec, uint8_t* page) {
  if (rec.encoding == PageEncoding::kRaw) {
    std::memcpy(page, rec.payload.data(), kPageSize);
  } else {
    size_t n = ZSTD_decompressDCtx(dctx_, page, kPageSize, rec.payload.data(), rec.payload.size());
    if (ZSTD_isError(n)) return makeError(std::string("page does not decompress: ") + ZSTD_getErrorName(n));
    if (n != kPageSize) return makeError("page decompresses to " + std::to_string(n) + " bytes, not 4096");
  }
  if (kCheckIntegrity && sha_.digest(page, kPageSize) != rec.sha256)
    return makeError("page content does not match its SHA-256 " + toHex(rec.sha256));
  return {};
}

}  // namespace tandem
