// Writes recovered kernel symbols as an ELF file that stock gdb loads
// (`gdb kernel.elf -ex 'target remote :1234'`, `info symbol ADDR`,
// `break panic`): an i386 ET_EXEC with no contents, only section headers
// for the kernel's text, rodata, data, init and bss ranges (so gdb can
// place every symbol in a section), the same for the loaded modules'
// code and data with their symbols, a .symtab/.strtab, and the call frame
// information of analysis/KernelFrames.h when it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/KernelSymbols.h"
#include "vmm/Result.h"

namespace tandem {

class SymbolElfWriter {
 public:
  struct Section {
    std::string name;
    uint32_t begin, end;
    bool code;
    bool bss;
  };
  // The sections the kernel's own boundary symbols describe (_text/_etext,
  // __start_rodata/__end_rodata, ...), sorted and without overlaps; one
  // section over the whole symbol range when none are known.
  static std::vector<Section> sections(const KernelSymbols& symbols);

  // `debug_frame`: the contents of a .debug_frame section; none if empty.
  static std::vector<uint8_t> build(const KernelSymbols& symbols,
                                    const std::vector<uint8_t>& debug_frame = {});
  static Status write(const KernelSymbols& symbols, const std::string& path,
                      const std::vector<uint8_t>& debug_frame = {});
};

}  // namespace tandem
