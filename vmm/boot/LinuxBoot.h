// Loads a Linux bzImage the way a boot loader using the kernel's 32-bit
// entry point does (the x86 boot protocol, Documentation/arch/x86/boot.rst,
// version 2.10 or later): the protected-mode kernel, the initrd, the
// command line and boot_params (the "zero page", with the setup header and
// an e820 map) go into guest RAM, and the CPU starts at the 32-bit entry
// with flat segments. Either the kernel's own decompressor then runs in the
// guest, or (the default) the kernel is decompressed on the host and the
// CPU starts at the uncompressed kernel's entry (KernelPayload).
//
// Every problem with the inputs is an error naming the file and what is
// wrong; once plan() has accepted a layout for a RAM size, load() fails
// for that size only if the compressed kernel turns out to be damaged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/boot/BootEntry.h"
#include "vmm/boot/ImageFile.h"

namespace tandem {

// The setup header fields a loader checks, decoded from the image.
struct LinuxSetupHeader {
  uint8_t setup_sects;        // 512-byte sectors of real-mode code after the boot sector
  uint32_t syssize;           // protected-mode kernel size, 16-byte units
  uint16_t version;           // boot protocol, e.g. 0x020F for 2.15
  uint8_t loadflags;
  uint32_t code32_start;      // 32-bit entry when loaded at 1 MiB
  uint32_t initrd_addr_max;   // highest address the initrd may occupy
  uint32_t kernel_alignment;  // load alignment of a relocatable kernel
  uint8_t relocatable_kernel;
  uint32_t cmdline_size;      // longest command line, without its NUL
  uint64_t pref_address;      // where the kernel prefers to run
  uint32_t init_size;         // bytes the kernel needs from where it runs
  uint32_t header_end;        // file offset just past the setup header
};

// Where load() put everything, for logs and checks.
struct LinuxBootLayout {
  GuestPhys kernel;         // protected-mode kernel (or the uncompressed kernel, with its bss)
  uint64_t kernel_size = 0;
  GuestPhys runtime;        // where the kernel decompresses and runs
  uint64_t runtime_size = 0;
  GuestPhys initrd;         // 0 when there is none
  uint64_t initrd_size = 0;
  GuestPhys boot_params;
  GuestPhys cmdline;
  BootEntry entry;
  bool decompressed_on_host = false;  // `kernel` holds the uncompressed kernel
};

enum class KernelDecompression {
  kOnHost,   // the kernel is decompressed here when its format allows
  kInGuest,  // the bzImage's decompressor runs in the guest, as under a firmware loader
};

class LinuxBoot {
 public:
  static constexpr uint16_t kMinProtocol = 0x020A;
  static constexpr uint8_t kLoadedHigh = 0x01;

  // Reads the kernel and, unless `initrd_path` is empty, the initrd.
  static Result<LinuxBoot> open(const std::string& kernel_path, const std::string& initrd_path,
                                std::string cmdline);
  // Validates images already in memory (their names appear in errors).
  static Result<LinuxBoot> fromImages(ImageFile kernel, std::optional<ImageFile> initrd,
                                      std::string cmdline);

  const LinuxSetupHeader& header() const { return hdr_; }
  // The version string the image carries ("6.1.0-50-686 (debian-kernel@...) #1 SMP ..."),
  // or "" when it has none.
  std::string kernelVersion() const;

  // Decides where everything goes in `ram_bytes` of RAM, or says why it
  // does not fit.
  Result<LinuxBootLayout> plan(uint64_t ram_bytes) const;
  // Writes kernel, initrd, command line, boot_params and GDT into `mem`
  // and returns the layout; layout.entry is the CPU's starting state.
  Result<LinuxBootLayout> load(PhysMemory& mem,
                               KernelDecompression how = KernelDecompression::kOnHost) const;

 private:
  LinuxBoot(ImageFile kernel, std::optional<ImageFile> initrd, std::string cmdline,
            LinuxSetupHeader hdr)
      : kernel_(std::move(kernel)), initrd_(std::move(initrd)), cmdline_(std::move(cmdline)),
        hdr_(hdr) {}
  static Result<LinuxSetupHeader> parseHeader(const ImageFile& kernel);
  uint64_t protectedModeOffset() const { return (uint64_t{hdr_.setup_sects} + 1) * 512; }
  void writeBootParams(PhysMemory& mem, const LinuxBootLayout& layout) const;
  // Puts the host-decompressed kernel in place of the compressed one when
  // its format allows and it needs no relocation.
  Status decompressOnHost(PhysMemory& mem, LinuxBootLayout* layout) const;

  ImageFile kernel_;
  std::optional<ImageFile> initrd_;
  std::string cmdline_;
  LinuxSetupHeader hdr_;
};

}  // namespace tandem
