#include "vmm/boot/Initramfs.h"

#include <zlib.h>

#include <cstring>
#include <optional>

namespace tandem {
namespace {

constexpr size_t kHeaderSize = 110;  // "070701", then 13 fields of 8 hex digits
constexpr unsigned kFileSizeField = 6, kNameSizeField = 11;
constexpr std::string_view kTrailer = "TRAILER!!!";

bool isCpio(std::span<const uint8_t> d, size_t pos) {
  return d.size() - pos >= 4 && std::memcmp(&d[pos], "0707", 4) == 0;
}
bool isGzip(std::span<const uint8_t> d, size_t pos) {
  return d.size() - pos >= 2 && d[pos] == 0x1F && d[pos + 1] == 0x8B;
}

std::optional<uint32_t> hexField(std::span<const uint8_t> d, size_t header, unsigned field) {
  uint32_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    char c = static_cast<char>(d[header + 6 + 8 * field + i]);
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = unsigned(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = unsigned(c - 'A' + 10);
    else
      return std::nullopt;
    v = v << 4 | digit;
  }
  return v;
}

size_t align4(size_t n) {
  return (n + 3) & ~size_t{3};
}

std::string at(const std::string& where, size_t pos) {
  return where + " offset " + std::to_string(pos);
}

}  // namespace

Status Initramfs::check(const ImageFile& image) {
  std::span<const uint8_t> data(image.bytes());
  size_t start = 0;
  while (start < data.size() && data[start] == 0) ++start;
  // Not a cpio archive nor gzip'd: a ramdisk image or another compression.
  if (!isCpio(data, start) && !isGzip(data, start)) return {};
  if (Status s = walk(data, "at", true); !s) return image.error(s.error().message);
  return {};
}

Status Initramfs::walk(std::span<const uint8_t> data, const std::string& where, bool top) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == 0) {
      ++pos;
    } else if (isCpio(data, pos)) {
      if (Status s = walkArchive(data, pos, where); !s) return s;
    } else if (top && isGzip(data, pos)) {
      size_t begin = pos;
      auto inner = inflateGzip(data, pos, where);
      if (!inner) return inner.error();
      std::string in = "in the gzip data at offset " + std::to_string(begin) + ", at";
      if (Status s = walk(*inner, in, false); !s) return s;
    } else if (top) {
      return {};  // another compression format: the kernel's to judge
    } else {
      return makeError(at(where, pos) + ": neither a cpio header nor padding");
    }
  }
  return {};
}

Status Initramfs::walkArchive(std::span<const uint8_t> data, size_t& pos,
                              const std::string& where) {
  for (;;) {
    size_t header = pos;
    if (data.size() - header < kHeaderSize)
      return makeError(at(where, header) + ": truncated (a cpio header runs past the end)");
    if (std::memcmp(&data[header], "070701", 6) != 0 &&
        std::memcmp(&data[header], "070702", 6) != 0)
      return makeError(at(where, header) + ": not a newc cpio header");
    auto file_size = hexField(data, header, kFileSizeField);
    auto name_size = hexField(data, header, kNameSizeField);
    if (!file_size || !name_size || *name_size == 0)
      return makeError(at(where, header) + ": malformed cpio header");
    size_t name_end = header + kHeaderSize + *name_size;
    size_t data_start = align4(name_end);
    if (data_start > data.size())
      return makeError(at(where, header) + ": truncated (a cpio file name runs past the end)");
    std::string name(reinterpret_cast<const char*>(&data[header + kHeaderSize]), *name_size - 1);
    size_t data_end = data_start + *file_size;
    if (data_end > data.size())
      return makeError(at(where, header) + ": truncated ('" + name + "' needs " +
                       std::to_string(*file_size) + " bytes, " +
                       std::to_string(data.size() - data_start) + " remain)");
    pos = std::min(align4(data_end), data.size());
    if (name == kTrailer) return {};
  }
}

Result<std::vector<uint8_t>> Initramfs::inflateGzip(std::span<const uint8_t> data, size_t& pos,
                                                    const std::string& where) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return makeError("zlib: cannot start inflating");
  std::vector<uint8_t> out;
  uint8_t buf[64 * 1024];
  z.next_in = const_cast<Bytef*>(&data[pos]);
  z.avail_in = static_cast<uInt>(std::min<size_t>(data.size() - pos, UINT32_MAX));
  int r;
  do {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    r = inflate(&z, Z_NO_FLUSH);
    out.insert(out.end(), buf, buf + (sizeof buf - z.avail_out));
  } while (r == Z_OK);
  size_t used = z.total_in;
  std::string why = z.msg ? std::string(" (") + z.msg + ")" : "";
  inflateEnd(&z);
  if (r == Z_BUF_ERROR)
    return makeError(at(where, pos) + ": truncated (the gzip data ends after " +
                     std::to_string(used) + " bytes, before its end)");
  if (r != Z_STREAM_END) return makeError(at(where, pos + used) + ": damaged gzip data" + why);
  pos += used;
  return out;
}

}  // namespace tandem
