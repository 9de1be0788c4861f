// Loads a Multiboot (version 1) kernel: an ELF32 image placed in guest RAM
// from its program headers, or, when its multiboot header asks for it
// (flag bit 16), from the load addresses in that header. The bare-metal
// test guests under guest/tests are such images, so the same file runs on
// tandem and under `qemu-system-i386 -kernel`.
//
// The kernel starts as the specification says: EAX = 0x2BADB002, EBX = the
// multiboot information structure (memory sizes, memory map, command line,
// loader name), 32-bit protected mode with flat segments, paging and
// interrupts off. ESP is left for the kernel to set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/Result.h"
#include "vmm/boot/BootEntry.h"
#include "vmm/boot/ImageFile.h"

namespace tandem {

struct MultibootLayout {
  GuestPhys image_start;  // lowest byte loaded
  GuestPhys image_end;    // just past the highest byte loaded or zeroed
  GuestPhys info;         // the multiboot information structure
  GuestPhys cmdline;
  BootEntry entry;
};

class Multiboot {
 public:
  static constexpr uint32_t kHeaderMagic = 0x1BADB002;
  static constexpr uint32_t kBootMagic = 0x2BADB002;  // in EAX at entry
  static constexpr uint64_t kHeaderSearch = 8192;     // the header lies within this many bytes
  // Header flag bits: requirements the kernel states.
  static constexpr uint32_t kPageAlignModules = 1u << 0;
  static constexpr uint32_t kWantMemoryInfo = 1u << 1;
  static constexpr uint32_t kWantVideoMode = 1u << 2;
  static constexpr uint32_t kAddressFields = 1u << 16;
  // Information structure flag bits this loader sets.
  static constexpr uint32_t kInfoMemory = 1u << 0;
  static constexpr uint32_t kInfoCmdline = 1u << 2;
  static constexpr uint32_t kInfoMemoryMap = 1u << 6;
  static constexpr uint32_t kInfoLoaderName = 1u << 9;

  static Result<Multiboot> open(const std::string& path, std::string cmdline);
  static Result<Multiboot> fromImage(ImageFile image, std::string cmdline);

  uint32_t headerFlags() const { return flags_; }
  uint32_t entryPoint() const { return entry_; }

  // Checks that the image and its structures fit in `ram_bytes` of RAM.
  Result<MultibootLayout> plan(uint64_t ram_bytes) const;
  // Loads the image and writes the information structure and GDT; the
  // returned layout's entry is the CPU's starting state.
  Result<MultibootLayout> load(PhysMemory& mem) const;

 private:
  // A piece of the file copied to `addr`, followed by zeroes up to mem_size.
  struct Segment {
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t addr;
    uint64_t mem_size;
  };

  Multiboot(ImageFile image, std::string cmdline) : image_(std::move(image)), cmdline_(std::move(cmdline)) {}
  Status parseHeader();
  Status parseAddressFields(uint64_t header_offset);
  Status parseElf();
  Status checkSegments();
  void writeInfo(PhysMemory& mem, const MultibootLayout& layout) const;

  ImageFile image_;
  std::string cmdline_;
  uint32_t flags_ = 0;
  uint32_t entry_ = 0;
  std::vector<Segment> segments_;
};

}  // namespace tandem
