#include "vmm/boot/ImageFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace tandem {

Result<ImageFile> ImageFile::read(const std::string& role, const std::string& path) {
  std::string name = role + " " + path;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return makeError(name + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return makeError(name + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(name + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), st.st_size))
    return makeError(name + ": read error");
  return ImageFile(std::move(name), std::move(bytes));
}

std::optional<uint8_t> ImageFile::u8(uint64_t offset) const {
  if (!has(offset, 1)) return std::nullopt;
  return bytes_[offset];
}

std::optional<uint16_t> ImageFile::u16(uint64_t offset) const {
  if (!has(offset, 2)) return std::nullopt;
  return static_cast<uint16_t>(bytes_[offset] | bytes_[offset + 1] << 8);
}

std::optional<uint32_t> ImageFile::u32(uint64_t offset) const {
  if (!has(offset, 4)) return std::nullopt;
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | bytes_[offset + i];
  return v;
}

std::optional<uint64_t> ImageFile::u64(uint64_t offset) const {
  if (!has(offset, 8)) return std::nullopt;
  return uint64_t{*u32(offset)} | uint64_t{*u32(offset + 4)} << 32;
}

}  // namespace tandem
