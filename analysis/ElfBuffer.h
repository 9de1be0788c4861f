// Helpers for writing 32-bit little-endian ELF files: a growing byte buffer
// that structs are appended to and patched in place, and a string table.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

class ElfBuffer {
 public:
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> take() { return std::move(bytes_); }

  // Appends and returns the offset it was written at.
  template <typename T>
  size_t append(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    return appendBytes(&v, sizeof v);
  }
  size_t appendBytes(const void* p, size_t n);
  void align(size_t to);
  template <typename T>
  void patch(size_t at, const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(bytes_.data() + at, &v, sizeof v);
  }

  // An i386 ELF header of `type` with the section and program header
  // fields zero (patch them once their tables are written).
  static Elf32_Ehdr header(uint16_t type);

 private:
  std::vector<uint8_t> bytes_;
};

// An ELF string table: offset 0 is the empty string.
class ElfStrings {
 public:
  ElfStrings() : data_(1, '\0') {}
  uint32_t add(std::string_view s);
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

// Writes `bytes` to `path` (replacing it); the error names the file.
Status writeFile(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace tandem
