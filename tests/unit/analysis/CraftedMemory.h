// Guest memory built by hand for the introspection parsers: a page
// directory at physical 0x1000 that maps the kernel's direct map
// (0xC0000000 -> physical 0) with 4 MiB pages, a bump allocator for kernel
// objects, and helpers to write them by virtual address.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "analysis/GuestView.h"
#include "vmm/PhysMemory.h"

namespace tandem::testing {

class CraftedMemory {
 public:
  static constexpr uint32_t kPageOffset = 0xC0000000u;
  static constexpr uint32_t kPageDirectory = 0x1000;

  explicit CraftedMemory(uint32_t bytes = 16u << 20) : mem(bytes) {
    for (uint32_t phys = 0; phys < bytes; phys += 4u << 20)
      setPde(kPageDirectory, (kPageOffset + phys) >> 22, phys | 0x83);  // P, RW, PS
  }

  GuestView kernel() const { return GuestView(mem, kPageDirectory); }

  // A zeroed, aligned kernel object; returns its virtual address.
  uint32_t alloc(uint32_t size, uint32_t align = 16) {
    next_ = (next_ + align - 1) & ~(align - 1);
    uint32_t at = next_;
    next_ += size;
    return kPageOffset + at;
  }
  // A free physical page (zeroed).
  uint32_t allocPage() { return alloc(4096, 4096) - kPageOffset; }

  void put(uint32_t virt, const void* p, size_t n) {
    mustSucceed(mem.write(GuestPhys(virt - kPageOffset), p, n));
  }
  void put32(uint32_t virt, uint32_t v) { put(virt, &v, 4); }
  void put16(uint32_t virt, uint16_t v) { put(virt, &v, 2); }
  void put64(uint32_t virt, uint64_t v) { put(virt, &v, 8); }
  void putString(uint32_t virt, std::string_view s) {
    put(virt, s.data(), s.size());
    uint8_t nul = 0;
    put(virt + static_cast<uint32_t>(s.size()), &nul, 1);
  }
  void setPde(uint32_t dir_phys, uint32_t index, uint32_t entry) {
    mustSucceed(mem.write(GuestPhys(dir_phys + index * 4), &entry, 4));
  }
  // Maps the 4 KiB user page at `virt` to `phys` in the directory at
  // `dir_phys`, creating its page table.
  void mapUserPage(uint32_t dir_phys, uint32_t virt, uint32_t phys, bool writable) {
    uint32_t pde = 0;
    (void)mem.read(GuestPhys(dir_phys + (virt >> 22) * 4), &pde, 4);
    if (!(pde & 1)) {
      pde = allocPage() | 0x7;
      setPde(dir_phys, virt >> 22, pde);
    }
    uint32_t pte = phys | 0x5 | (writable ? 2 : 0);
    mustSucceed(mem.write(GuestPhys((pde & ~0xFFFu) + ((virt >> 12) & 0x3FF) * 4), &pte, 4));
  }

  PhysMemory mem;

 private:
  static void mustSucceed(bool ok) {
    if (!ok) std::abort();
  }
  uint32_t next_ = 0x100000;
};

}  // namespace tandem::testing
