// The guest kernel's symbol table: every symbol recovered from kallsyms,
// sorted by address, with the lookups diagnosis needs (address of a name,
// symbol+offset of an address, whether an address is kernel text), and the
// symbols of loaded modules once they are added (analysis/ModuleList.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KallsymsTables.h"
#include "analysis/LoadedModule.h"
#include "vmm/PhysMemory.h"
#include "vmm/Result.h"

namespace tandem {

class KernelSymbols {
 public:
  // Recovers the symbols from the kallsyms tables in guest memory.
  static Result<KernelSymbols> fromMemory(const PhysMemory& mem);
  // From a list (any order; aliases keep their relative order).
  explicit KernelSymbols(std::vector<KernelSymbol> symbols);
  // The name index points into the symbols: moves keep it valid, copies would not.
  KernelSymbols(KernelSymbols&&) = default;
  KernelSymbols& operator=(KernelSymbols&&) = default;
  KernelSymbols(const KernelSymbols&) = delete;
  KernelSymbols& operator=(const KernelSymbols&) = delete;

  // Ascending address; for equal addresses, the kernel's preferred name first.
  const std::vector<KernelSymbol>& all() const { return symbols_; }
  // The first symbol named `name`.
  const KernelSymbol* find(std::string_view name) const;
  std::optional<uint32_t> address(std::string_view name) const;

  struct Hit {
    const KernelSymbol* symbol;
    uint32_t offset;  // from the symbol's address
    uint32_t size;    // up to the next symbol at a higher address (0 for the last)
    const LoadedModule* module = nullptr;  // the module the symbol is in; nullptr: the kernel
  };
  // The symbol an address belongs to, as the kernel's kallsyms_lookup()
  // chooses it: the last address at or below, its first alias. Only
  // addresses inside the kernel image ([_text, _end] when known) or a
  // module's core layout are looked up.
  std::optional<Hit> lookup(uint32_t address) const;
  // "panic+0x4f/0x2b0", "tandem_crash_null+0x12/0x27 [tandem_crash]", or
  // the bare hex address when nothing contains it.
  std::string describe(uint32_t address) const;
  static std::string describe(const Hit& hit);
  // Inside the kernel's code ([_stext, _etext) or [_sinittext, _einittext))
  // or a module's.
  bool isText(uint32_t address) const;

  // The loaded modules whose symbols lookups also search.
  void setModules(std::vector<LoadedModule> modules) { modules_ = std::move(modules); }
  const std::vector<LoadedModule>& modules() const { return modules_; }

  // virtual - physical for the kernel image (PAGE_OFFSET for a kernel in
  // the direct map), from where the page tables map _text and _etext.
  std::optional<uint32_t> imageOffset(const GuestView& kernel) const;

  // The address range [first, last symbol] of the image.
  uint32_t lowest() const { return symbols_.empty() ? 0 : symbols_.front().address; }
  uint32_t highest() const { return symbols_.empty() ? 0 : symbols_.back().address; }

 private:
  std::vector<KernelSymbol> symbols_;
  std::unordered_map<std::string_view, size_t> by_name_;
  struct Range {
    uint32_t begin, end;
  };
  std::vector<Range> text_;
  Range image_{0, 0};
  std::vector<LoadedModule> modules_;
};

}  // namespace tandem
