// A kernel module as it sits in guest memory: where its code and data are
// and the symbols of its own kallsyms table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/KallsymsTables.h"

namespace tandem {

struct LoadedModule {
  uint32_t address = 0;  // of its struct module
  std::string name;
  uint32_t state = 0;    // MODULE_STATE_LIVE (0), COMING (1), GOING (2), UNFORMED (3)
  uint32_t base = 0;     // its core layout: code first, then read-only and writable data
  uint32_t size = 0;
  uint32_t text_size = 0;
  std::vector<KernelSymbol> symbols;  // inside the core layout, ascending address

  bool contains(uint32_t a) const { return a >= base && a - base < size; }
  bool inText(uint32_t a) const { return a >= base && a - base < text_size; }
};

}  // namespace tandem
