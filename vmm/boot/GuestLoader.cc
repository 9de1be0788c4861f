#include "vmm/boot/GuestLoader.h"

#include <cstdio>
#include <cstring>

#include "vmm/boot/LinuxBoot.h"
#include "vmm/boot/Multiboot.h"

namespace tandem {
namespace {

// An ELF file (multiboot test guests) starts with 0x7F 'E' 'L' 'F'.
Result<bool> isElf(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return makeError(path + ": " + std::strerror(errno));
  unsigned char magic[4] = {};
  size_t n = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return n == 4 && magic[0] == 0x7F && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<LoadedGuest> loadGuest(const GuestSpec& spec, PhysMemory& mem) {
  auto elf = isElf(spec.kernel);
  if (!elf) return elf.error();
  if (*elf) {
    if (!spec.initrd.empty())
      return makeError(spec.kernel + ": a multiboot kernel takes no initrd (" + spec.initrd + ")");
    auto mb = Multiboot::open(spec.kernel, spec.cmdline);
    if (!mb) return mb.error();
    auto layout = mb->load(mem);
    if (!layout) return layout.error();
    return LoadedGuest{GuestKind::kMultiboot, layout->entry, "multiboot ELF " + baseName(spec.kernel)};
  }
  auto linux_boot = LinuxBoot::open(spec.kernel, spec.initrd, spec.cmdline);
  if (!linux_boot) return linux_boot.error();
  auto layout = linux_boot->load(mem, spec.decompress_in_guest ? KernelDecompression::kInGuest
                                                               : KernelDecompression::kOnHost);
  if (!layout) return layout.error();
  std::string version = linux_boot->kernelVersion();
  return LoadedGuest{GuestKind::kLinux, layout->entry,
                     "Linux " + (version.empty() ? baseName(spec.kernel) : version)};
}

Status checkGuest(const GuestSpec& spec, uint64_t ram_bytes) {
  auto elf = isElf(spec.kernel);
  if (!elf) return elf.error();
  if (*elf) {
    auto mb = Multiboot::open(spec.kernel, spec.cmdline);
    if (!mb) return mb.error();
    auto layout = mb->plan(ram_bytes);
    if (!layout) return layout.error();
    return Status();
  }
  auto linux_boot = LinuxBoot::open(spec.kernel, spec.initrd, spec.cmdline);
  if (!linux_boot) return linux_boot.error();
  auto layout = linux_boot->plan(ram_bytes);
  if (!layout) return layout.error();
  return Status();
}

}  // namespace tandem
