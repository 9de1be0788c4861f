// Loads a guest kernel of either kind tandem boots: a Linux bzImage (with
// an optional initrd and a command line) or a multiboot ELF (the bare-metal
// test guests). The kind is recognised from the file itself.
#pragma once

#include <string>

#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/boot/BootEntry.h"

namespace tandem {

struct GuestSpec {
  std::string kernel;
  std::string initrd;   // empty: none (not allowed with a multiboot kernel)
  std::string cmdline;
  // Linux only: run the bzImage's decompressor in the guest instead of
  // decompressing the kernel on the host.
  bool decompress_in_guest = false;
};

enum class GuestKind { kLinux, kMultiboot };

struct LoadedGuest {
  GuestKind kind;
  BootEntry entry;
  std::string description;  // e.g. "Linux 6.1.0-50-686" or "multiboot ELF hello.elf"
};

// Validates the images for `ram_bytes` of RAM without touching memory.
Status checkGuest(const GuestSpec& spec, uint64_t ram_bytes);
// Writes the guest into `mem` and returns the CPU's entry state.
Result<LoadedGuest> loadGuest(const GuestSpec& spec, PhysMemory& mem);

}  // namespace tandem
