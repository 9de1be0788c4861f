// Reads guest virtual memory through the guest's own page tables (32-bit
// paging, 4 KiB and 4 MiB pages), the way the CPU would but without touching
// the CPU: introspection works on frozen state (RAM + CpuState) alone.
// Every access is bounds-checked against guest RAM; a corrupt page table or
// a wild pointer gives nullopt/false, never a host access outside RAM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

// One present page-table mapping, as a walk over an address range sees it.
struct PageMapping {
  uint32_t virt;     // start of the page
  uint64_t phys;     // start of the physical frame
  uint32_t size;     // 4 KiB or 4 MiB
  bool writable;
  bool user;
};

class GuestView {
 public:
  // `cr3`: the page directory's physical address; `paging` false means
  // linear == physical (before the kernel enables paging).
  GuestView(const PhysMemory& mem, uint32_t cr3, bool paging = true, bool pse = true)
      : mem_(mem), cr3_(cr3 & ~0xFFFu), paging_(paging), pse_(pse) {}
  // The view the CPU has with `cpu`'s control registers. PAE paging is not
  // supported (the default guest's kernel does not use it): an error then.
  static Result<GuestView> fromCpu(const PhysMemory& mem, const CpuState& cpu);
  // The same memory seen through another page directory (another process).
  GuestView withCr3(uint32_t cr3) const { return GuestView(mem_, cr3, paging_, pse_); }

  const PhysMemory& phys() const { return mem_; }
  uint32_t cr3() const { return cr3_; }

  // The physical address `virt` maps to, if mapped and inside RAM.
  std::optional<uint64_t> translate(uint32_t virt) const;
  // The mapping that covers `virt`, if present (the frame may lie outside RAM).
  std::optional<PageMapping> mapping(uint32_t virt) const;
  // Calls `fn` for every present mapping in [begin, end), in address order;
  // stops early when `fn` returns false.
  template <typename Fn>
  void forEachMapping(uint32_t begin, uint64_t end, Fn fn) const;

  // All-or-nothing copy of `len` bytes at `virt`; false if any byte is unmapped.
  [[nodiscard]] bool read(uint32_t virt, void* out, size_t len) const;
  std::optional<uint8_t> u8(uint32_t virt) const { return scalar<uint8_t>(virt); }
  std::optional<uint16_t> u16(uint32_t virt) const { return scalar<uint16_t>(virt); }
  std::optional<uint32_t> u32(uint32_t virt) const { return scalar<uint32_t>(virt); }
  std::optional<uint64_t> u64(uint32_t virt) const { return scalar<uint64_t>(virt); }
  // A NUL-terminated string of at most `max` bytes (without the NUL);
  // nullopt if unmapped or not terminated within `max`.
  std::optional<std::string> cstring(uint32_t virt, size_t max) const;

 private:
  template <typename T>
  std::optional<T> scalar(uint32_t virt) const {
    T v;
    if (!read(virt, &v, sizeof v)) return std::nullopt;
    return v;
  }
  std::optional<uint32_t> pde(uint32_t index) const;

  const PhysMemory& mem_;
  uint32_t cr3_;
  bool paging_;
  bool pse_;
};

template <typename Fn>
void GuestView::forEachMapping(uint32_t begin, uint64_t end, Fn fn) const {
  uint64_t v = begin & ~0xFFFu;
  while (v < end) {
    uint32_t dir_index = static_cast<uint32_t>(v >> 22);
    if (!paging_) {
      if (!fn(PageMapping{static_cast<uint32_t>(v), v, kPageSize, true, true})) return;
      v += kPageSize;
      continue;
    }
    std::optional<uint32_t> d = pde(dir_index);
    uint64_t next_dir = (uint64_t{dir_index} + 1) << 22;
    if (!d || !(*d & 1)) {
      v = next_dir;
      continue;
    }
    if ((*d & 0x80) && pse_) {
      PageMapping m{static_cast<uint32_t>(dir_index << 22), *d & 0xFFC00000u, 4u << 20,
                    (*d & 2) != 0, (*d & 4) != 0};
      if (!fn(m)) return;
      v = next_dir;
      continue;
    }
    uint32_t table[1024];
    if (!mem_.read(GuestPhys(*d & ~0xFFFu), table, sizeof table)) {
      v = next_dir;
      continue;
    }
    for (; v < next_dir && v < end; v += kPageSize) {
      uint32_t e = table[(v >> 12) & 0x3FF];
      if (!(e & 1)) continue;
      // A page allows writes or user access only if both levels do.
      PageMapping m{static_cast<uint32_t>(v), e & ~0xFFFu, kPageSize, (e & *d & 2) != 0,
                    (e & *d & 4) != 0};
      if (!fn(m)) return;
    }
  }
}

}  // namespace tandem
