// The CPU state a boot loader hands over: 32-bit protected mode with paging
// off and interrupts disabled, flat 4 GiB segments from a GDT in guest
// memory. The Linux boot protocol asks for a code segment at selector 0x10
// and data at 0x18; the multiboot specification asks only for flat
// segments, so both loaders use the same GDT. DS, ES, FS, GS and SS all
// hold the data segment.
#pragma once

#include <cstdint>

#include "vmm/PhysMemory.h"
#include "vmm/cpu/CpuState.h"

namespace tandem {

constexpr uint16_t kBootCodeSelector = 0x10;
constexpr uint16_t kBootDataSelector = 0x18;

struct BootEntry {
  uint32_t eip = 0;
  // The general registers the loader sets; the others start at zero.
  uint32_t eax = 0;
  uint32_t ebx = 0;
  uint32_t esi = 0;
  uint32_t gdt_base = 0;
  uint32_t gdt_limit = 0;

  // Writes the flat GDT at `gdt_addr` (in RAM below 1 MiB) and returns
  // this entry with GDTR pointing at it.
  BootEntry withFlatGdt(PhysMemory& mem, GuestPhys gdt_addr) const;

  // The entry conditions applied on top of a power-on state. General
  // registers the loader does not set are zero; what no boot protocol
  // defines (IDTR, CR3, CR4, the x87, MSRs) keeps its power-on value.
  CpuState apply(CpuState power_on) const;
  CpuState cpuState() const { return apply(resetCpuState()); }
};
static_assert(std::is_trivially_copyable_v<BootEntry>);

}  // namespace tandem
