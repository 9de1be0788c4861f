#include "analysis/SymbolElfWriter.h"

#include <algorithm>

#include "analysis/ElfBuffer.h"
#include "analysis/LoadedModule.h"

namespace tandem {
namespace {

struct SectionRule {
  const char* name;
  const char* begin;
  const char* end;
  bool code;
  bool bss;
};

// Boundary symbols of the i386 kernel's linker script, in image order.
constexpr SectionRule kRules[] = {
    {".text", "_text", "_etext", true, false},
    {".rodata", "__start_rodata", "__end_rodata", false, false},
    {".data", "_sdata", "_edata", false, false},
    {".init.text", "_sinittext", "_einittext", true, false},
    {".init.data", "_einittext", "__init_end", false, false},
    {".bss", "__bss_start", "__bss_stop", false, true},
    {".brk", "__brk_base", "__brk_limit", false, true},
};

unsigned char symbolInfo(char type, bool in_code) {
  unsigned char bind = STB_GLOBAL;
  if (type == 'W' || type == 'w' || type == 'V' || type == 'v') bind = STB_WEAK;
  else if (type >= 'a' && type <= 'z') bind = STB_LOCAL;
  unsigned char kind = STT_NOTYPE;
  switch (type | 0x20) {
    case 't': kind = STT_FUNC; break;
    case 'w': kind = in_code ? STT_FUNC : STT_NOTYPE; break;
    case 'd': case 'b': case 'r': case 'g': case 's': case 'v': kind = STT_OBJECT; break;
    default: break;
  }
  return static_cast<unsigned char>(ELF32_ST_INFO(bind, kind));
}

}  // namespace

std::vector<SymbolElfWriter::Section> SymbolElfWriter::sections(const KernelSymbols& symbols) {
  std::vector<Section> out;
  for (const SectionRule& r : kRules) {
    auto b = symbols.address(r.begin), e = symbols.address(r.end);
    if (b && e && *e > *b) out.push_back(Section{r.name, *b, *e, r.code, r.bss});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Section& a, const Section& b) { return a.begin < b.begin; });
  // Clip overlaps so every address belongs to at most one section.
  std::vector<Section> clean;
  for (Section& s : out) {
    if (!clean.empty() && s.begin < clean.back().end) s.begin = clean.back().end;
    if (s.end > s.begin) clean.push_back(s);
  }
  if (clean.empty() && !symbols.all().empty())
    clean.push_back(Section{".kernel", symbols.lowest(), symbols.highest() + 1, true, false});
  return clean;
}

std::vector<uint8_t> SymbolElfWriter::build(const KernelSymbols& symbols,
                                            const std::vector<uint8_t>& debug_frame) {
  std::vector<Section> secs = sections(symbols);
  // Loaded modules: their code, then their data (a module whose layout
  // overlaps what is already placed is left out).
  std::vector<const LoadedModule*> modules;
  for (const LoadedModule& m : symbols.modules()) {
    bool overlaps = std::any_of(secs.begin(), secs.end(), [&](const Section& o) {
      return o.begin < m.base + m.size && m.base < o.end;
    });
    if (overlaps || m.text_size == 0 || m.size < m.text_size) continue;
    secs.push_back(Section{m.name + ".text", m.base, m.base + m.text_size, true, false});
    if (m.size > m.text_size)
      secs.push_back(Section{m.name + ".data", m.base + m.text_size, m.base + m.size, false, false});
    modules.push_back(&m);
  }
  std::stable_sort(secs.begin(), secs.end(),
                   [](const Section& a, const Section& b) { return a.begin < b.begin; });
  // Section header indexes: 0 null, 1.. the ranges, then symtab, strtab, shstrtab.
  const uint16_t first_range = 1;
  const uint16_t symtab_index = static_cast<uint16_t>(first_range + secs.size());

  auto sectionOf = [&](uint32_t a) -> int {
    auto it = std::upper_bound(secs.begin(), secs.end(), a,
                               [](uint32_t v, const Section& s) { return v < s.begin; });
    if (it == secs.begin()) return -1;
    --it;
    return a < it->end ? static_cast<int>(it - secs.begin()) : -1;
  };

  ElfStrings strtab;
  std::vector<Elf32_Sym> locals, globals;
  locals.push_back(Elf32_Sym{});  // index 0: the undefined symbol
  auto add = [&](const std::vector<KernelSymbol>& all) {
    for (size_t i = 0; i < all.size(); ++i) {
      const KernelSymbol& s = all[i];
      int sec = sectionOf(s.address);
      // Size: up to the next higher address, within the section.
      size_t j = i + 1;
      while (j < all.size() && all[j].address == s.address) ++j;
      uint32_t end = j < all.size() ? all[j].address : sec >= 0 ? secs[sec].end : s.address;
      if (sec >= 0) end = std::min(end, secs[sec].end);
      Elf32_Sym e{};
      e.st_name = strtab.add(s.name);
      e.st_value = s.address;
      e.st_size = (s.type | 0x20) == 'a' ? 0 : end - s.address;
      e.st_info = symbolInfo(s.type, sec >= 0 && secs[sec].code);
      e.st_shndx = (sec < 0 || (s.type | 0x20) == 'a') ? SHN_ABS : first_range + sec;
      (ELF32_ST_BIND(e.st_info) == STB_LOCAL ? locals : globals).push_back(e);
    }
  };
  add(symbols.all());
  for (const LoadedModule* m : modules) add(m->symbols);

  ElfStrings shstr;
  ElfBuffer out;
  Elf32_Ehdr eh = ElfBuffer::header(ET_EXEC);
  if (auto entry = symbols.address("startup_32")) eh.e_entry = *entry;
  out.append(eh);

  out.align(4);
  size_t symtab_off = out.size();
  for (const auto& e : locals) out.append(e);
  for (const auto& e : globals) out.append(e);
  size_t strtab_off = out.appendBytes(strtab.data().data(), strtab.data().size());
  out.align(4);
  size_t frame_off = out.appendBytes(debug_frame.data(), debug_frame.size());

  std::vector<Elf32_Shdr> sh(1);  // the null section
  for (const Section& s : secs) {
    Elf32_Shdr h{};
    h.sh_name = shstr.add(s.name);
    h.sh_type = SHT_NOBITS;  // gdb reads contents from the target, not this file
    h.sh_flags = SHF_ALLOC | (s.code ? SHF_EXECINSTR : 0) | (s.code ? 0 : SHF_WRITE);
    h.sh_addr = s.begin;
    h.sh_offset = static_cast<Elf32_Off>(symtab_off);
    h.sh_size = s.end - s.begin;
    h.sh_addralign = 1;
    sh.push_back(h);
  }
  Elf32_Shdr symtab{};
  symtab.sh_name = shstr.add(".symtab");
  symtab.sh_type = SHT_SYMTAB;
  symtab.sh_offset = static_cast<Elf32_Off>(symtab_off);
  symtab.sh_size = static_cast<Elf32_Word>((locals.size() + globals.size()) * sizeof(Elf32_Sym));
  symtab.sh_link = symtab_index + 1;
  symtab.sh_info = static_cast<Elf32_Word>(locals.size());
  symtab.sh_addralign = 4;
  symtab.sh_entsize = sizeof(Elf32_Sym);
  sh.push_back(symtab);
  Elf32_Shdr strh{};
  strh.sh_name = shstr.add(".strtab");
  strh.sh_type = SHT_STRTAB;
  strh.sh_offset = static_cast<Elf32_Off>(strtab_off);
  strh.sh_size = static_cast<Elf32_Word>(strtab.data().size());
  strh.sh_addralign = 1;
  sh.push_back(strh);
  if (!debug_frame.empty()) {
    Elf32_Shdr frame{};
    frame.sh_name = shstr.add(".debug_frame");
    frame.sh_type = SHT_PROGBITS;
    frame.sh_offset = static_cast<Elf32_Off>(frame_off);
    frame.sh_size = static_cast<Elf32_Word>(debug_frame.size());
    frame.sh_addralign = 4;
    sh.push_back(frame);
  }
  Elf32_Shdr shstrh{};
  shstrh.sh_name = shstr.add(".shstrtab");
  shstrh.sh_type = SHT_STRTAB;
  shstrh.sh_addralign = 1;
  shstrh.sh_size = static_cast<Elf32_Word>(shstr.data().size());
  shstrh.sh_offset = static_cast<Elf32_Off>(out.appendBytes(shstr.data().data(), shstr.data().size()));
  sh.push_back(shstrh);

  out.align(4);
  eh.e_shoff = static_cast<Elf32_Off>(out.size());
  for (const auto& h : sh) out.append(h);
  eh.e_shnum = static_cast<uint16_t>(sh.size());
  eh.e_shstrndx = static_cast<uint16_t>(sh.size() - 1);
  out.patch(0, eh);
  return out.take();
}

Status SymbolElfWriter::write(const KernelSymbols& symbols, const std::string& path,
                              const std::vector<uint8_t>& debug_frame) {
  return writeFile(path, build(symbols, debug_frame));
}

}  // namespace tandem
