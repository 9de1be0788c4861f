// The physical memory map a PC firmware reports (BIOS e820), and where
// tandem's boot loaders put their own structures in low memory. Both loaders
// describe memory the same way, so a guest sees the same machine whichever
// way it was started.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/Types.h"

namespace tandem {

struct MemoryRange {
  uint64_t base;
  uint64_t length;
  uint32_t type;  // e820 type
};

namespace e820 {
constexpr uint32_t kRam = 1;
constexpr uint32_t kReserved = 2;
}  // namespace e820

// Conventional memory ends where a PC keeps its extended BIOS data area;
// from there to 1 MiB are the EBDA, the VGA window and the ROMs.
constexpr uint64_t kLowRamEnd = 0x9FC00;
constexpr uint64_t kHighRamStart = 0x100000;

// The boot loaders' structures, all in conventional memory, inside the
// first 640 KiB and away from the kernel and its initrd: the GDT of the
// entry state, the information block (Linux boot_params or the multiboot
// information structure, with its tables in the same 64 KiB), and the
// command line.
constexpr GuestPhys kBootGdtAddr{0x1000};
constexpr GuestPhys kBootInfoAddr{0x10000};
constexpr GuestPhys kBootCmdlineAddr{0x20000};
constexpr uint64_t kBootCmdlineRoom = kLowRamEnd - 0x20000;

// The map for `ram_bytes` of RAM (at least kHighRamStart): RAM below
// kLowRamEnd, reserved up to 1 MiB, RAM from 1 MiB to the end.
std::vector<MemoryRange> pcMemoryMap(uint64_t ram_bytes);

}  // namespace tandem
