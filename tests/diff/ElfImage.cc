#include "tests/diff/ElfImage.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tandem::diff {

Result<ElfImage> ElfImage::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return makeError("cannot open " + path);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const char* what) { return makeError(path + ": " + what); };
  if (file.size() < sizeof(Elf32_Ehdr)) return bad("too short for an ELF header");
  Elf32_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_machine != EM_386)
    return bad("not an i386 ELF32 file");
  auto inFile = [&](uint64_t off, uint64_t len) { return off <= file.size() && len <= file.size() - off; };
  ElfImage img;
  img.entry_ = eh.e_entry;
  if (!inFile(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf32_Phdr))) return bad("program headers out of range");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD) continue;
    if (!inFile(ph.p_offset, ph.p_filesz) || ph.p_filesz > ph.p_memsz) return bad("segment out of range");
    img.segments_.push_back({ph.p_vaddr, ph.p_memsz,
                             std::vector<uint8_t>(file.begin() + ph.p_offset,
                                                  file.begin() + ph.p_offset + ph.p_filesz)});
  }
  if (!inFile(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf32_Shdr))) return bad("section headers out of range");
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    Elf32_Shdr sh;
    std::memcpy(&sh, file.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
    if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum) continue;
    Elf32_Shdr strtab;
    std::memcpy(&strtab, file.data() + eh.e_shoff + sh.sh_link * sizeof strtab, sizeof strtab);
    if (!inFile(sh.sh_offset, sh.sh_size) || !inFile(strtab.sh_offset, strtab.sh_size))
      return bad("symbol table out of range");
    for (uint32_t off = 0; off + sizeof(Elf32_Sym) <= sh.sh_size; off += sizeof(Elf32_Sym)) {
      Elf32_Sym sym;
      std::memcpy(&sym, file.data() + sh.sh_offset + off, sizeof sym);
      if (sym.st_name == 0 || sym.st_name >= strtab.sh_size || sym.st_shndx == SHN_UNDEF) continue;
      const char* name = reinterpret_cast<const char*>(file.data() + strtab.sh_offset + sym.st_name);
      const size_t len = strnlen(name, strtab.sh_size - sym.st_name);
      std::string n(name, len);
      img.symbols_[n] = sym.st_value;
      img.by_addr_.emplace(sym.st_value, std::move(n));
    }
  }
  return img;
}

Result<uint32_t> ElfImage::symbol(const std::string& name) const {
  auto it = symbols_.find(name);
  if (it == symbols_.end()) return makeError("symbol " + name + " not found in the test program");
  return it->second;
}

std::vector<std::string> ElfImage::namesAt(uint32_t addr) const {
  std::vector<std::string> names;
  auto range = by_addr_.equal_range(addr);
  for (auto it = range.first; it != range.second; ++it) names.push_back(it->second);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tandem::diff

namespace tandem::diff {

std::string ElfImage::nameContaining(uint32_t addr) const {
  auto it = by_addr_.upper_bound(addr);
  if (it == by_addr_.begin()) return {};
  return namesAt(std::prev(it)->first).back();
}

}  // namespace tandem::diff
