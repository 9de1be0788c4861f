// Finds the kernel's compressed symbol tables (kallsyms) in guest physical
// memory by their structure and decodes them. No System.map, no debug info
// and no fixed addresses: the tables are recognised and checked byte by
// byte, so a guest that corrupted them gives an error, not wrong symbols.
//
// Layout (Linux 6.1, CONFIG_KALLSYMS_BASE_RELATIVE, 32-bit), each table
// 4-byte aligned, in this order:
//   kallsyms_offsets        u32[N], address = relative_base + offset, ascending
//   kallsyms_relative_base  u32, a kernel virtual address
//   kallsyms_num_syms       u32 N
//   kallsyms_names          N entries: length (1 byte, or 2 when the first has
//                           bit 7 set: low 7 bits + next byte << 7), then that
//                           many token codes; the expansion is the type letter
//                           followed by the name
//   kallsyms_markers        u32[ceil(N/256)], offset in names of entry 256*k
//   kallsyms_seqs_of_names  (6.1 stable updates, 6.2+) u8[3][N], big-endian
//                           symbol indexes in name order; then 4-byte alignment
//   kallsyms_token_table    256 NUL-terminated strings
//   kallsyms_token_index    u16[256], offset of each string in the token table
// The search starts from the token index (256 increasing offsets starting at
// 0 whose strings tile the bytes before it exactly) and works backwards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/Result.h"

namespace tandem {

struct KernelSymbol {
  uint32_t address;
  char type;  // nm-style letter as the kernel keeps it (T t D d B b R r W w A ...)
  std::string name;
  bool isFunction() const { return type == 'T' || type == 't' || type == 'W' || type == 'w'; }
};

// Physical addresses of the tables that were found.
struct KallsymsLocation {
  uint64_t offsets = 0;
  uint64_t relative_base = 0;
  uint64_t num_syms = 0;
  uint64_t names = 0;
  uint64_t markers = 0;
  uint64_t seqs_of_names = 0;  // 0 when the kernel has none
  uint64_t token_table = 0;
  uint64_t token_index = 0;
  uint32_t count = 0;
  uint32_t base = 0;  // the value of kallsyms_relative_base
};

class KallsymsTables {
 public:
  // Searches all of `mem`; the first complete, consistent set of tables wins.
  static Result<KallsymsTables> find(const PhysMemory& mem);

  const KallsymsLocation& location() const { return loc_; }
  // Every symbol in table order (ascending address; aliases in the kernel's
  // preferred order).
  const std::vector<KernelSymbol>& symbols() const { return symbols_; }

 private:
  // The bytes of guest RAM, for bounds-checked access by offset.
  struct Bytes {
    const uint8_t* p;
    uint64_t size;
    bool has(uint64_t at, uint64_t len) const { return at <= size && len <= size - at; }
    uint32_t u32(uint64_t at) const;
    uint16_t u16(uint64_t at) const;
  };
  struct Tokens {
    std::vector<std::string> strings;  // 256
    uint64_t table = 0;
  };

  static bool tokenIndexAt(const Bytes& b, uint64_t at, Tokens* out);
  // Walks back from the token table to the markers, names and offsets.
  static bool tablesBefore(const Bytes& b, const Tokens& tokens, uint64_t index_at,
                           KallsymsTables* out);
  // The tables given where the markers end; `expected_count` 0: any count.
  static bool fromMarkersEnd(const Bytes& b, const Tokens& tokens, uint64_t index_at,
                             uint64_t end, uint32_t expected_count, KallsymsTables* out);
  static bool namesAt(const Bytes& b, uint64_t names, uint32_t count,
                      const std::vector<uint32_t>& markers, uint64_t names_end_limit,
                      const Tokens& tokens, std::vector<KernelSymbol>* out);

  KallsymsLocation loc_;
  std::vector<KernelSymbol> symbols_;
};

}  // namespace tandem
