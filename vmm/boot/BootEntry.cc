#include "vmm/boot/BootEntry.h"

#include "vmm/Assert.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

// Descriptor access bytes: present, DPL 0, code/data, accessed already set
// so the CPU need not write the GDT when a selector is loaded.
constexpr uint8_t kCodeAccess = 0x9B;  // execute/read
constexpr uint8_t kDataAccess = 0x93;  // read/write
constexpr uint8_t kFlat4GFlags = 0xCF;  // G=1 (4 KiB units), D/B=1, limit 19:16 = 0xF

constexpr uint64_t flatDescriptor(uint8_t access) {
  return 0xFFFFull | uint64_t{access} << 40 | uint64_t{kFlat4GFlags} << 48;
}

SegmentCache flatSegment(uint16_t selector, uint8_t access) {
  SegmentCache s{};
  s.base = 0;
  s.limit = 0xFFFFFFFF;
  s.selector = selector;
  s.attr = static_cast<uint16_t>(access | (kFlat4GFlags & 0xF0) << 8);
  s.valid = 1;
  return s;
}

}  // namespace

BootEntry BootEntry::withFlatGdt(PhysMemory& mem, GuestPhys gdt_addr) const {
  const uint64_t gdt[4] = {0, 0, flatDescriptor(kCodeAccess), flatDescriptor(kDataAccess)};
  static_assert(kBootCodeSelector == 2 * 8 && kBootDataSelector == 3 * 8);
  TANDEM_ASSERT(gdt_addr.value() + sizeof(gdt) <= kHighRamStart);
  TANDEM_ASSERT(mem.write(gdt_addr, gdt, sizeof(gdt)));
  BootEntry e = *this;
  e.gdt_base = static_cast<uint32_t>(gdt_addr.value());
  e.gdt_limit = sizeof(gdt) - 1;
  return e;
}

CpuState BootEntry::apply(CpuState s) const {
  for (uint32_t& r : s.gpr) r = 0;
  s.gpr[EAX] = eax;
  s.gpr[EBX] = ebx;
  s.gpr[ESI] = esi;
  s.eip = eip;
  s.eflags = fl::kFixed1;  // IF clear
  s.cr0 = cr0::PE | cr0::ET;  // paging off, caches on
  s.a20_mask = 0xFFFFFFFF;
  s.gdtr = TableRegister{gdt_base, gdt_limit};
  for (int r = 0; r < kSegCount; ++r) s.seg[r] = flatSegment(kBootDataSelector, kDataAccess);
  s.seg[CS] = flatSegment(kBootCodeSelector, kCodeAccess);
  s.halted = 0;
  s.intr_shadow = 0;
  return s;
}

}  // namespace tandem
