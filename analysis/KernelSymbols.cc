#include "analysis/KernelSymbols.h"

#include <algorithm>
#include <cstdio>

namespace tandem {

Result<KernelSymbols> KernelSymbols::fromMemory(const PhysMemory& mem) {
  auto tables = KallsymsTables::find(mem);
  if (!tables) return tables.error();
  return KernelSymbols(tables->symbols());
}

KernelSymbols::KernelSymbols(std::vector<KernelSymbol> symbols) : symbols_(std::move(symbols)) {
  std::stable_sort(symbols_.begin(), symbols_.end(),
                   [](const KernelSymbol& a, const KernelSymbol& b) { return a.address < b.address; });
  by_name_.reserve(symbols_.size());
  for (size_t i = 0; i < symbols_.size(); ++i) by_name_.emplace(symbols_[i].name, i);
  auto range = [&](const char* b, const char* e) -> std::optional<Range> {
    auto lo = address(b), hi = address(e);
    if (!lo || !hi || *hi <= *lo) return std::nullopt;
    return Range{*lo, *hi};
  };
  for (auto [b, e] : {std::pair{"_stext", "_etext"}, std::pair{"_sinittext", "_einittext"}})
    if (auto r = range(b, e)) text_.push_back(*r);
  if (auto r = range("_text", "_end")) image_ = *r;
  else if (!symbols_.empty()) image_ = Range{lowest(), highest()};
}

const KernelSymbol* KernelSymbols::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &symbols_[it->second];
}

std::optional<uint32_t> KernelSymbols::address(std::string_view name) const {
  const KernelSymbol* s = find(name);
  if (!s) return std::nullopt;
  return s->address;
}

namespace {

// The kernel's choice for a module address (find_kallsyms_symbol): the last
// symbol at or below, its first alias; the size runs to the next symbol or
// to the end of the module's code.
std::optional<KernelSymbols::Hit> moduleLookup(const LoadedModule& m, uint32_t address) {
  const auto& syms = m.symbols;
  auto it = std::upper_bound(syms.begin(), syms.end(), address,
                             [](uint32_t a, const KernelSymbol& s) { return a < s.address; });
  if (it == syms.begin()) return std::nullopt;
  uint32_t end = it == syms.end() ? m.base + m.text_size : it->address;
  --it;
  while (it != syms.begin() && std::prev(it)->address == it->address) --it;
  uint32_t size = end > it->address ? end - it->address : 0;
  return KernelSymbols::Hit{&*it, address - it->address, size, &m};
}

}  // namespace

std::optional<KernelSymbols::Hit> KernelSymbols::lookup(uint32_t address) const {
  if (address < image_.begin || address > image_.end) {
    for (const LoadedModule& m : modules_)
      if (m.contains(address)) return moduleLookup(m, address);
    return std::nullopt;
  }
  if (symbols_.empty()) return std::nullopt;
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint32_t a, const KernelSymbol& s) { return a < s.address; });
  if (it == symbols_.begin()) return std::nullopt;
  auto next = it;
  --it;
  while (it != symbols_.begin() && std::prev(it)->address == it->address) --it;
  uint32_t size = next == symbols_.end() ? 0 : next->address - it->address;
  return Hit{&*it, address - it->address, size};
}

std::string KernelSymbols::describe(uint32_t address) const {
  auto hit = lookup(address);
  if (hit) return describe(*hit);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", address);
  return buf;
}

std::string KernelSymbols::describe(const Hit& hit) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "+0x%x/0x%x", hit.offset, hit.size);
  std::string out = hit.symbol->name + buf;
  if (hit.module) out += " [" + hit.module->name + "]";
  return out;
}

std::optional<uint32_t> KernelSymbols::imageOffset(const GuestView& kernel) const {
  auto text = address("_text"), etext = address("_etext");
  if (!text || !etext || *etext <= *text) return std::nullopt;
  auto p0 = kernel.translate(*text), p1 = kernel.translate(*etext - 1);
  if (!p0 || !p1 || *p1 - *p0 != *etext - 1 - *text) return std::nullopt;
  return static_cast<uint32_t>(*text - *p0);
}

bool KernelSymbols::isText(uint32_t address) const {
  for (const Range& r : text_)
    if (address >= r.begin && address < r.end) return true;
  for (const LoadedModule& m : modules_)
    if (m.inText(address)) return true;
  return false;
}

}  // namespace tandem
