#include "analysis/ElfBuffer.h"

#include <cerrno>
#include <cstdio>

namespace tandem {

size_t ElfBuffer::appendBytes(const void* p, size_t n) {
  size_t at = bytes_.size();
  const auto* b = static_cast<const uint8_t*>(p);
  bytes_.insert(bytes_.end(), b, b + n);
  return at;
}

void ElfBuffer::align(size_t to) {
  while (bytes_.size() % to) bytes_.push_back(0);
}

Elf32_Ehdr ElfBuffer::header(uint16_t type) {
  Elf32_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS32;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  h.e_type = type;
  h.e_machine = EM_386;
  h.e_version = EV_CURRENT;
  h.e_ehsize = sizeof(Elf32_Ehdr);
  h.e_phentsize = sizeof(Elf32_Phdr);
  h.e_shentsize = sizeof(Elf32_Shdr);
  return h;
}

uint32_t ElfStrings::add(std::string_view s) {
  uint32_t at = static_cast<uint32_t>(data_.size());
  data_.append(s);
  data_.push_back('\0');
  return at;
}

Status writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return makeError(path + ": " + std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return makeError(path + ": write failed: " + std::strerror(errno));
  return Status();
}

}  // namespace tandem
