#include "vmm/boot/KernelPayload.h"

#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace tandem {
namespace {

constexpr uint64_t kPayloadOffset = 0x248;  // setup header, protocol 2.08+
constexpr uint64_t kPayloadLength = 0x24C;
constexpr uint64_t kVersion = 0x206;
constexpr uint16_t kPayloadProtocol = 0x0208;

constexpr uint8_t kXzMagic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
constexpr uint8_t kGzipMagic[2] = {0x1F, 0x8B};
// Far above any real kernel: a guard against a payload that inflates
// without end.
constexpr uint64_t kMaxKernelBytes = uint64_t{1} << 30;

// ELF32 fields (System V ABI, Intel386 supplement).
constexpr unsigned kElfHeaderSize = 52, kPhdrSize = 32;
constexpr uint32_t kPtLoad = 1;
constexpr uint16_t kEm386 = 3;

uint16_t le16(const uint8_t* p) {
  return uint16_t(p[0] | p[1] << 8);
}
uint32_t le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

Result<std::optional<KernelPayload>> KernelPayload::extract(const ImageFile& kernel,
                                                            uint64_t pm_offset) {
  if (kernel.u16(kVersion).value_or(0) < kPayloadProtocol) return std::optional<KernelPayload>();
  uint64_t offset = kernel.u32(kPayloadOffset).value_or(0);
  uint64_t length = kernel.u32(kPayloadLength).value_or(0);
  if (length == 0) return std::optional<KernelPayload>();
  if (!kernel.has(pm_offset + offset, length))
    return kernel.error("the compressed kernel (payload_offset " + std::to_string(offset) +
                        ", payload_length " + std::to_string(length) + ") lies outside the file");
  const uint8_t* data = kernel.bytes().data() + pm_offset + offset;
  Result<std::vector<uint8_t>> elf = std::vector<uint8_t>();
  if (length >= sizeof kXzMagic && std::memcmp(data, kXzMagic, sizeof kXzMagic) == 0)
    elf = inflateXz(kernel, data, length);
  else if (length >= sizeof kGzipMagic && std::memcmp(data, kGzipMagic, sizeof kGzipMagic) == 0)
    elf = inflateGzip(kernel, data, length);
  else
    return std::optional<KernelPayload>();
  if (!elf) return elf.error();
  auto parsed = parseElf(kernel, *elf);
  if (!parsed) return parsed.error();
  return std::optional<KernelPayload>(std::move(*parsed));
}

Result<std::vector<uint8_t>> KernelPayload::inflateXz(const ImageFile& kernel, const uint8_t* data,
                                                      size_t size) {
  lzma_stream z = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK)
    return makeError("liblzma: cannot start decoding");
  std::vector<uint8_t> out(size * 4);
  z.next_in = data;
  z.avail_in = size;  // the stream, then the kernel's 4-byte size, which the decoder leaves
  lzma_ret r = LZMA_BUF_ERROR;
  do {
    if (z.total_out == out.size()) {
      if (out.size() >= kMaxKernelBytes) break;
      out.resize(out.size() * 2);
    }
    z.next_out = out.data() + z.total_out;
    z.avail_out = out.size() - z.total_out;
    r = lzma_code(&z, LZMA_FINISH);
  } while (r == LZMA_OK || (r == LZMA_BUF_ERROR && z.avail_out == 0));
  out.resize(z.total_out);
  lzma_end(&z);
  if (r != LZMA_STREAM_END)
    return kernel.error("the xz-compressed kernel is damaged or truncated (liblzma error " +
                        std::to_string(int(r)) + " after " + std::to_string(z.total_in) +
                        " bytes)");
  return out;
}

Result<std::vector<uint8_t>> KernelPayload::inflateGzip(const ImageFile& kernel,
                                                        const uint8_t* data, size_t size) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return makeError("zlib: cannot start inflating");
  std::vector<uint8_t> out(size * 4);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  int r = Z_BUF_ERROR;
  do {
    if (z.total_out == out.size()) {
      if (out.size() >= kMaxKernelBytes) break;
      out.resize(out.size() * 2);
    }
    z.next_out = out.data() + z.total_out;
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    r = inflate(&z, Z_FINISH);
  } while (r == Z_OK || (r == Z_BUF_ERROR && z.avail_out == 0));
  out.resize(z.total_out);
  inflateEnd(&z);
  if (r != Z_STREAM_END) return kernel.error("the gzip-compressed kernel is damaged or truncated");
  return out;
}

Result<KernelPayload> KernelPayload::parseElf(const ImageFile& kernel,
                                              const std::vector<uint8_t>& elf) {
  auto bad = [&kernel](const std::string& what) {
    return kernel.error("the decompressed kernel is not a usable i386 ELF image: " + what);
  };
  if (elf.size() < kElfHeaderSize || std::memcmp(elf.data(),
                                                 "\x7F"
                                                 "ELF",
                                                 4) != 0)
    return bad("no ELF header");
  if (elf[4] != 1 || elf[5] != 1 || le16(&elf[18]) != kEm386)
    return bad("not 32-bit little-endian i386");
  uint32_t phoff = le32(&elf[28]);
  uint16_t phentsize = le16(&elf[42]), phnum = le16(&elf[44]);
  if (phentsize < kPhdrSize || phoff > elf.size() ||
      uint64_t{phnum} * phentsize > elf.size() - phoff)
    return bad("program headers outside the image");
  KernelPayload p;
  p.entry_ = le32(&elf[24]);
  for (unsigned i = 0; i < phnum; ++i) {
    const uint8_t* ph = &elf[phoff + uint64_t{i} * phentsize];
    if (le32(ph) != kPtLoad) continue;
    uint32_t offset = le32(ph + 4), paddr = le32(ph + 12), filesz = le32(ph + 16),
             memsz = le32(ph + 20);
    if (filesz > memsz || offset > elf.size() || filesz > elf.size() - offset)
      return bad("segment " + std::to_string(i) + " lies outside the image");
    p.segments_.push_back(
        {paddr, std::vector<uint8_t>(elf.begin() + offset, elf.begin() + offset + filesz), memsz});
  }
  if (p.segments_.empty()) return bad("no loadable segment");
  bool entry_inside = std::any_of(p.segments_.begin(), p.segments_.end(), [&p](const auto& s) {
    return p.entry_ >= s.paddr && p.entry_ < s.paddr + s.mem_size;
  });
  if (!entry_inside) return bad("the entry point is outside every segment");
  return p;
}

uint64_t KernelPayload::lowest() const {
  uint64_t v = UINT64_MAX;
  for (const auto& s : segments_) v = std::min(v, s.paddr);
  return v;
}

uint64_t KernelPayload::highest() const {
  uint64_t v = 0;
  for (const auto& s : segments_) v = std::max(v, s.paddr + s.mem_size);
  return v;
}

}  // namespace tandem
