// The compressed kernel inside a bzImage, decompressed on the host: what
// the kernel's own decompressor would leave in memory before it jumps to
// the kernel proper. The payload (boot protocol 2.08+: payload_offset and
// payload_length) is an ELF image (vmlinux) compressed with xz or gzip;
// its loadable segments go to their physical addresses and the CPU starts
// at the ELF entry point, the 32-bit entry of the uncompressed kernel
// (Documentation/arch/x86/boot.rst, "32-bit Boot Protocol").
//
// Running the decompressor in the guest costs a few billion interpreted
// instructions for the default guest; doing it here costs a fraction of a
// second. The kernel needs nothing from the decompressor but the image in
// place and boot_params in ESI, with the same flat segments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/Result.h"
#include "vmm/boot/ImageFile.h"

namespace tandem {

struct KernelSegment {
  uint64_t paddr;              // physical address the kernel is linked to run at
  std::vector<uint8_t> bytes;  // the segment's file contents
  uint64_t mem_size;           // its size in memory (the rest the kernel clears itself)
};

class KernelPayload {
 public:
  // The decompressed kernel, or nullopt when the payload is in a format
  // decompressed only in the guest (lzma, bzip2, lzo, lz4, zstd, or an
  // image without payload fields). A payload that is damaged is an error
  // naming the kernel file.
  static Result<std::optional<KernelPayload>> extract(const ImageFile& kernel,
                                                      uint64_t protected_mode_offset);

  const std::vector<KernelSegment>& segments() const { return segments_; }
  uint64_t entry() const { return entry_; }  // physical address
  // The lowest and one past the highest physical address of the segments.
  uint64_t lowest() const;
  uint64_t highest() const;

 private:
  static Result<std::vector<uint8_t>> inflateXz(const ImageFile& kernel, const uint8_t* data,
                                                size_t size);
  static Result<std::vector<uint8_t>> inflateGzip(const ImageFile& kernel, const uint8_t* data,
                                                  size_t size);
  static Result<KernelPayload> parseElf(const ImageFile& kernel, const std::vector<uint8_t>& elf);

  std::vector<KernelSegment> segments_;
  uint64_t entry_ = 0;
};

}  // namespace tandem
