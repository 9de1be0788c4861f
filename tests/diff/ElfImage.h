// A linked i386 ELF executable as the tandem side needs it: its loadable
// segments (to copy into guest memory at their addresses) and its symbol
// table (to find the driver's entry points, tables and per-instruction
// labels).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vmm/Result.h"

namespace tandem::diff {

struct ElfSegment {
  uint32_t vaddr;
  uint32_t memsz;
  std::vector<uint8_t> bytes;  // file contents; the rest up to memsz is zero
};

class ElfImage {
 public:
  static Result<ElfImage> load(const std::string& path);

  uint32_t entry() const { return entry_; }
  const std::vector<ElfSegment>& segments() const { return segments_; }
  // The address of `name`; fails (with the name) when it is missing.
  Result<uint32_t> symbol(const std::string& name) const;
  bool has(const std::string& name) const { return symbols_.count(name) != 0; }
  // Every symbol at exactly `addr`, in name order.
  std::vector<std::string> namesAt(uint32_t addr) const;
  // The symbol with the highest address at or below `addr` (the function or
  // label that contains it), or "".
  std::string nameContaining(uint32_t addr) const;

 private:
  uint32_t entry_ = 0;
  std::vector<ElfSegment> segments_;
  std::map<std::string, uint32_t> symbols_;
  std::multimap<uint32_t, std::string> by_addr_;
};

}  // namespace tandem::diff
