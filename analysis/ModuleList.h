// The guest kernel's loaded modules, read from their struct module in
// guest memory, with each module's own symbol table, so that an address in
// a module's code reads as "function+0x12/0x27 [module]" the way the
// kernel prints it. Without debug info or data symbols, everything is
// found from what the data must satisfy, as for the task list:
//   struct module  state (0..3) at 0, list_head at 4, name[60] at 12
//                  (MODULE_NAME_LEN on i386), zero-padded; the list is
//                  doubly linked through every module and one head in the
//                  kernel image (`modules`)
//   module_layout  base, size, text_size, ro_size, ro_after_init_size,
//                  then mtn.mod pointing back at the module: page-aligned,
//                  sizes ordered, and the core layout holds the module
//   mod_kallsyms   symtab, num_symtab, strtab, typetab, found through a
//                  pointer in struct module whose table reads back as ELF
//                  symbols (the null symbol first, names in strtab, types
//                  as letters)
// Modules live in the vmalloc area above the kernel's direct map, which is
// searched page by page for a struct module when no list is known.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/GuestView.h"
#include "analysis/KernelSymbols.h"
#include "analysis/LoadedModule.h"

namespace tandem {

class ModuleList {
 public:
  // The modules on the kernel's module list, in list order (newest first);
  // empty when none is loaded (or none was found).
  // The list is searched for above the direct map of the view's RAM.
  static std::vector<LoadedModule> read(const GuestView& kernel, const KernelSymbols& symbols);
  // The search over [from, to) alone; `image` is the kernel image's range,
  // where the list head lives.
  static std::vector<LoadedModule> search(const GuestView& kernel, uint32_t from, uint64_t to,
                                          uint32_t image_begin, uint32_t image_end);
  // One module at `address`: its name, layout and symbols (the layout and
  // symbols stay empty when they cannot be found).
  static std::optional<LoadedModule> readModule(const GuestView& kernel, uint32_t address);
};

}  // namespace tandem
