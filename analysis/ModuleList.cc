#include "analysis/ModuleList.h"

#include <algorithm>
#include <cstring>

namespace tandem {
namespace {

constexpr uint32_t kListOffset = 4;
constexpr uint32_t kNameOffset = 12;
constexpr uint32_t kNameLen = 60;  // MODULE_NAME_LEN = 64 - sizeof(long)
constexpr uint32_t kHeaderBytes = kNameOffset + kNameLen;
constexpr uint32_t kMaxModuleStruct = 2048;  // bytes of struct module searched for fields
constexpr uint32_t kLayoutWords = 6;         // base size text ro ro_after_init mtn.mod
constexpr uint32_t kMaxModules = 4096;
constexpr uint32_t kMaxSymbols = 65536;
constexpr uint32_t kMaxNameLen = 128;
constexpr uint32_t kElfSymBytes = 16;  // Elf32_Sym
constexpr uint32_t kDirectMapMax = 0x38000000;  // 896 MiB of lowmem on i386

bool nameChar(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A module name in the 60 bytes at `p`: name characters, a NUL, zeros.
bool isModuleName(const uint8_t* p) {
  uint32_t n = 0;
  while (n < kNameLen && p[n] != 0) {
    if (!nameChar(p[n])) return false;
    ++n;
  }
  if (n == 0 || n == kNameLen) return false;
  for (uint32_t i = n; i < kNameLen; ++i)
    if (p[i] != 0) return false;
  return true;
}

bool looksLikeHeader(const uint8_t* p) {
  uint32_t w[3];
  std::memcpy(w, p, sizeof w);
  return w[0] <= 3 && w[1] >= 0xC0000000u && w[2] >= 0xC0000000u && !(w[1] & 3) && !(w[2] & 3) &&
         isModuleName(p + kNameOffset);
}

bool headerAt(const GuestView& v, uint32_t address) {
  uint8_t h[kHeaderBytes];
  return v.read(address, h, sizeof h) && looksLikeHeader(h);
}

// The modules on the list through `first`, in order from its head, if it is
// doubly linked and every node but one (the head, in the kernel image)
// belongs to a module.
std::optional<std::vector<uint32_t>> moduleNodes(const GuestView& v, uint32_t first,
                                                 uint32_t image_begin, uint32_t image_end) {
  std::vector<uint32_t> modules;
  bool head_seen = false;
  size_t after_head = 0;
  uint32_t node = first;
  for (uint32_t steps = 0; steps <= kMaxModules; ++steps) {
    auto next = v.u32(node);
    if (!next || (*next & 3)) return std::nullopt;
    auto back = v.u32(*next + 4);
    if (!back || *back != node) return std::nullopt;
    if (node >= image_begin && node < image_end) {
      if (head_seen) return std::nullopt;
      head_seen = true;
      after_head = modules.size();
    } else if (headerAt(v, node - kListOffset)) {
      modules.push_back(node - kListOffset);
    } else {
      return std::nullopt;
    }
    node = *next;
    if (node == first) break;
  }
  if (node != first || !head_seen) return std::nullopt;
  std::rotate(modules.begin(), modules.begin() + static_cast<ptrdiff_t>(after_head), modules.end());
  return modules;
}

struct Layout {
  uint32_t base, size, text_size;
};

// The module's core layout: the module_layout inside struct module that
// points back at it and whose range holds it.
std::optional<Layout> coreLayout(const GuestView& v, uint32_t module) {
  for (uint32_t o = kHeaderBytes; o + kLayoutWords * 4 <= kMaxModuleStruct; o += 4) {
    uint32_t w[kLayoutWords];
    if (!v.read(module + o, w, sizeof w)) return std::nullopt;
    uint32_t base = w[0], size = w[1], text = w[2], ro = w[3], ro_after = w[4], mod = w[5];
    if (mod != module || (base & (kPageSize - 1)) || size == 0 || (size & (kPageSize - 1)))
      continue;
    if (text == 0 || text > ro || ro > ro_after || ro_after > size) continue;
    if (module < base || module - base >= size) continue;
    return Layout{base, size, text};
  }
  return std::nullopt;
}

// The symbols of the mod_kallsyms at `at` that lie inside `core`, if the
// table reads back as ELF symbols.
std::optional<std::vector<KernelSymbol>> symbolsAt(const GuestView& v, uint32_t at, const Layout& core) {
  uint32_t k[4];
  if (!v.read(at, k, sizeof k)) return std::nullopt;
  uint32_t symtab = k[0], count = k[1], strtab = k[2], typetab = k[3];
  if (count < 2 || count > kMaxSymbols || (symtab & 3)) return std::nullopt;
  std::vector<uint8_t> table(size_t{count} * kElfSymBytes);
  std::vector<uint8_t> types(count);
  if (!v.read(symtab, table.data(), table.size()) || !v.read(typetab, types.data(), types.size()))
    return std::nullopt;
  for (size_t i = 0; i < kElfSymBytes; ++i)
    if (table[i] != 0) return std::nullopt;  // the null symbol
  std::vector<KernelSymbol> out;
  for (uint32_t i = 1; i < count; ++i) {
    uint32_t name_off, value;
    uint16_t shndx;
    std::memcpy(&name_off, &table[i * kElfSymBytes], 4);
    std::memcpy(&value, &table[i * kElfSymBytes + 4], 4);
    std::memcpy(&shndx, &table[i * kElfSymBytes + 14], 2);
    uint8_t type = types[i];
    if (!((type >= 'a' && type <= 'z') || (type >= 'A' && type <= 'Z') || type == '?'))
      return std::nullopt;
    auto name = v.cstring(strtab + name_off, kMaxNameLen);
    if (!name) return std::nullopt;
    for (char c : *name)
      if (c < 0x20 || c > 0x7E) return std::nullopt;
    // As the kernel's lookup: no undefined, unnamed or mapping symbols.
    if (shndx == 0 || name->empty() || (*name)[0] == '$') continue;
    if (value < core.base || value - core.base >= core.size) continue;
    out.push_back({value, static_cast<char>(type), std::move(*name)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const KernelSymbol& a, const KernelSymbol& b) { return a.address < b.address; });
  return out;
}

}  // namespace

std::optional<LoadedModule> ModuleList::readModule(const GuestView& v, uint32_t address) {
  uint8_t h[kHeaderBytes];
  if (!v.read(address, h, sizeof h) || !looksLikeHeader(h)) return std::nullopt;
  LoadedModule m;
  m.address = address;
  std::memcpy(&m.state, h, 4);
  m.name = reinterpret_cast<const char*>(h + kNameOffset);
  std::optional<Layout> core = coreLayout(v, address);
  if (!core) return m;
  m.base = core->base;
  m.size = core->size;
  m.text_size = core->text_size;
  for (uint32_t o = kHeaderBytes; o + 4 <= kMaxModuleStruct; o += 4) {
    auto p = v.u32(address + o);
    if (!p) break;
    if (auto syms = symbolsAt(v, *p, *core); syms && !syms->empty()) {
      m.symbols = std::move(*syms);
      break;
    }
  }
  return m;
}

std::vector<LoadedModule> ModuleList::search(const GuestView& v, uint32_t from, uint64_t to,
                                             uint32_t image_begin, uint32_t image_end) {
  std::optional<std::vector<uint32_t>> found;
  std::vector<uint8_t> page(kPageSize);
  v.forEachMapping(from, to, [&](const PageMapping& m) {
    for (uint64_t at = m.virt; at < uint64_t{m.virt} + m.size && !found; at += kPageSize) {
      if (!v.read(static_cast<uint32_t>(at), page.data(), kPageSize)) continue;
      for (uint32_t o = 0; o + kHeaderBytes <= kPageSize && !found; o += 4) {
        if (!looksLikeHeader(&page[o])) continue;
        found = moduleNodes(v, static_cast<uint32_t>(at) + o + kListOffset, image_begin, image_end);
      }
    }
    return !found;
  });
  std::vector<LoadedModule> out;
  if (!found) return out;
  for (uint32_t address : *found)
    if (auto m = readModule(v, address)) out.push_back(std::move(*m));
  return out;
}

std::vector<LoadedModule> ModuleList::read(const GuestView& v, const KernelSymbols& symbols) {
  uint32_t page_offset = symbols.imageOffset(v).value_or(0xC0000000u);
  uint64_t from = uint64_t{page_offset} + std::min<uint64_t>(v.phys().size(), kDirectMapMax);
  if (from >= 0xFFFFF000u) return {};
  auto end = symbols.address("_end");
  return search(v, static_cast<uint32_t>(from), 0x100000000ull, symbols.lowest(),
                end ? *end : symbols.highest());
}

}  // namespace tandem
