// The bytes of a file a boot loader reads (kernel, initrd, test guest),
// with the name to quote in error messages and bounds-checked
// little-endian field readers for parsing headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/Result.h"

namespace tandem {

class ImageFile {
 public:
  ImageFile(std::string name, std::vector<uint8_t> bytes)
      : name_(std::move(name)), bytes_(std::move(bytes)) {}

  // Reads the whole file; `role` ("kernel", "initrd", ...) starts every
  // error message, followed by the path.
  static Result<ImageFile> read(const std::string& role, const std::string& path);

  // "kernel /path/to/vmlinuz": the prefix for error messages.
  const std::string& name() const { return name_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  uint64_t size() const { return bytes_.size(); }
  bool has(uint64_t offset, uint64_t len) const {
    return offset <= bytes_.size() && len <= bytes_.size() - offset;
  }

  // Little-endian fields; nullopt when the field lies past the end.
  std::optional<uint8_t> u8(uint64_t offset) const;
  std::optional<uint16_t> u16(uint64_t offset) const;
  std::optional<uint32_t> u32(uint64_t offset) const;
  std::optional<uint64_t> u64(uint64_t offset) const;

  // An error message starting with the file's name.
  Error error(const std::string& what) const { return makeError(name_ + ": " + what); }

 private:
  std::string name_;
  std::vector<uint8_t> bytes_;
};

}  // namespace tandem
