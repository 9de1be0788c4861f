#include "vmm/boot/Multiboot.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "vmm/Assert.h"
#include "vmm/Log.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

// ELF32 (System V ABI, i386 supplement).
constexpr uint32_t kElfMagic = 0x464C457F;  // "\x7FELF"
constexpr uint8_t kElfClass32 = 1;
constexpr uint8_t kElfDataLsb = 1;
constexpr uint16_t kElfExec = 2;
constexpr uint16_t kElfMachine386 = 3;
constexpr uint32_t kPtLoad = 1;
constexpr uint64_t kElfHeaderSize = 52;
constexpr uint16_t kElfPhentSize = 32;

// Multiboot information structure offsets.
constexpr uint64_t kInfoFlags = 0, kInfoMemLower = 4, kInfoMemUpper = 8, kInfoCmdlinePtr = 16,
                   kInfoMmapLength = 44, kInfoMmapAddr = 48, kInfoLoaderNamePtr = 64;
constexpr uint64_t kInfoSize = 0x100;
// The memory map and loader name follow the structure in the same page.
constexpr uint64_t kMmapOffset = 0x100, kLoaderNameOffset = 0x200;
constexpr uint64_t kMmapEntrySize = 24;  // including its own 4-byte size field
constexpr char kLoaderName[] = "tandem";

constexpr uint64_t k4G = uint64_t{1} << 32;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIX64, v);
  return buf;
}

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
static_assert(std::endian::native == std::endian::little, "guest structures are written in host order");

}  // namespace

Result<Multiboot> Multiboot::open(const std::string& path, std::string cmdline) {
  auto image = ImageFile::read("multiboot kernel", path);
  if (!image) return image.error();
  return fromImage(std::move(*image), std::move(cmdline));
}

Result<Multiboot> Multiboot::fromImage(ImageFile image, std::string cmdline) {
  if (cmdline.find('\0') != std::string::npos) return makeError("command line contains a NUL byte");
  if (cmdline.size() >= kBootCmdlineRoom)
    return image.error("command line is " + std::to_string(cmdline.size()) + " bytes; at most " +
                       std::to_string(kBootCmdlineRoom - 1) + " fit");
  Multiboot mb(std::move(image), std::move(cmdline));
  if (auto s = mb.parseHeader(); !s) return s.error();
  if (auto s = mb.checkSegments(); !s) return s.error();
  return mb;
}

Status Multiboot::parseHeader() {
  const ImageFile& f = image_;
  uint64_t end = std::min<uint64_t>(f.size(), kHeaderSearch);
  for (uint64_t off = 0; off + 12 <= end; off += 4) {
    if (*f.u32(off) != kHeaderMagic) continue;
    uint32_t flags = *f.u32(off + 4);
    if (static_cast<uint32_t>(kHeaderMagic + flags + *f.u32(off + 8)) != 0)
      return f.error("multiboot header at offset " + hex(off) + " has a bad checksum");
    flags_ = flags;
    uint32_t unmet = flags & 0xFFFF & ~(kPageAlignModules | kWantMemoryInfo);
    if (unmet & kWantVideoMode)
      return f.error("the multiboot header asks for video mode information (flag bit 2), which tandem does not provide");
    if (unmet)
      return f.error("the multiboot header has requirement flags " + hex(unmet) + " that tandem does not know");
    return (flags & kAddressFields) ? parseAddressFields(off) : parseElf();
  }
  return f.error("no multiboot header (magic 0x1BADB002) in the first " + std::to_string(kHeaderSearch) + " bytes");
}

// The "a.out kludge": the header gives the load addresses itself.
Status Multiboot::parseAddressFields(uint64_t off) {
  const ImageFile& f = image_;
  if (!f.has(off, 32)) return f.error("multiboot header at offset " + hex(off) + " is truncated");
  uint32_t header_addr = *f.u32(off + 12), load_addr = *f.u32(off + 16),
           load_end_addr = *f.u32(off + 20), bss_end_addr = *f.u32(off + 24);
  entry_ = *f.u32(off + 28);
  if (load_addr > header_addr || header_addr - load_addr > off)
    return f.error("multiboot load_addr " + hex(load_addr) + " and header_addr " + hex(header_addr) +
                   " do not agree with the header's offset " + hex(off) + " in the file");
  Segment s;
  s.file_offset = off - (header_addr - load_addr);
  s.addr = load_addr;
  if (load_end_addr == 0) {
    s.file_size = f.size() - s.file_offset;
  } else if (load_end_addr < load_addr) {
    return f.error("multiboot load_end_addr " + hex(load_end_addr) + " is below load_addr " + hex(load_addr));
  } else {
    s.file_size = load_end_addr - load_addr;
  }
  s.mem_size = s.file_size;
  if (bss_end_addr != 0) {
    if (bss_end_addr < load_addr + s.file_size)
      return f.error("multiboot bss_end_addr " + hex(bss_end_addr) + " is below the end of the loaded data");
    s.mem_size = bss_end_addr - load_addr;
  }
  segments_ = {s};
  return {};
}

Status Multiboot::parseElf() {
  const ImageFile& f = image_;
  if (!f.has(0, kElfHeaderSize) || *f.u32(0) != kElfMagic)
    return f.error("not an ELF file, and its multiboot header gives no load addresses (flag bit 16)");
  if (*f.u8(4) != kElfClass32 || *f.u8(5) != kElfDataLsb)
    return f.error("not a 32-bit little-endian ELF file");
  if (*f.u16(16) != kElfExec) return f.error("not an ELF executable (e_type " + std::to_string(*f.u16(16)) + ")");
  if (*f.u16(18) != kElfMachine386)
    return f.error("not an i386 ELF file (e_machine " + std::to_string(*f.u16(18)) + ")");
  uint32_t entry = *f.u32(24), phoff = *f.u32(28);
  uint16_t phentsize = *f.u16(42), phnum = *f.u16(44);
  if (phnum == 0) return f.error("ELF file has no program headers");
  if (phentsize != kElfPhentSize)
    return f.error("ELF program header size is " + std::to_string(phentsize) + ", not 32");
  if (!f.has(phoff, uint64_t{phnum} * phentsize))
    return f.error("ELF program headers (" + std::to_string(phnum) + " at offset " + hex(phoff) +
                   ") lie past the end of the file");
  bool entry_found = false;
  for (uint16_t i = 0; i < phnum; ++i) {
    uint64_t ph = phoff + uint64_t{i} * phentsize;
    if (*f.u32(ph) != kPtLoad) continue;
    uint32_t offset = *f.u32(ph + 4), vaddr = *f.u32(ph + 8), paddr = *f.u32(ph + 12),
             filesz = *f.u32(ph + 16), memsz = *f.u32(ph + 20);
    if (memsz == 0) continue;
    if (filesz > memsz)
      return f.error("ELF segment " + std::to_string(i) + " has p_filesz " + hex(filesz) +
                     " larger than p_memsz " + hex(memsz));
    segments_.push_back({offset, filesz, paddr, memsz});
    // e_entry is a virtual address; the kernel starts at its physical twin.
    if (!entry_found && entry >= vaddr && entry - vaddr < memsz) {
      entry_ = paddr + (entry - vaddr);
      entry_found = true;
    }
  }
  if (segments_.empty()) return f.error("ELF file has no loadable segment");
  if (!entry_found) return f.error("ELF entry point " + hex(entry) + " is not inside a loadable segment");
  return {};
}

Status Multiboot::checkSegments() {
  const ImageFile& f = image_;
  bool entry_inside = false;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    std::string what = "segment " + std::to_string(i) + " (" + hex(s.addr) + ", " + hex(s.mem_size) + " bytes)";
    if (!f.has(s.file_offset, s.file_size))
      return f.error(what + ": its " + std::to_string(s.file_size) + " bytes at offset " +
                     hex(s.file_offset) + " lie past the end of the file (truncated?)");
    if (s.addr < kHighRamStart)
      return f.error(what + " lies below 1 MiB, where the PC's reserved area and the loader's structures are");
    if (s.addr + s.mem_size > k4G) return f.error(what + " reaches past 4 GiB");
    if (entry_ >= s.addr && entry_ - s.addr < s.file_size) entry_inside = true;
  }
  if (!entry_inside) return f.error("entry point " + hex(entry_) + " is not inside the loaded image");
  return {};
}

Result<MultibootLayout> Multiboot::plan(uint64_t ram_bytes) const {
  MultibootLayout l;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const Segment& s : segments_) {
    lo = std::min(lo, s.addr);
    hi = std::max(hi, s.addr + s.mem_size);
  }
  if (ram_bytes < hi)
    return image_.error("guest RAM of " + std::to_string(ram_bytes >> 10) + " KiB is too small: the image needs memory up to " + hex(hi));
  l.image_start = GuestPhys(lo);
  l.image_end = GuestPhys(hi);
  l.info = kBootInfoAddr;
  l.cmdline = kBootCmdlineAddr;
  l.entry.eip = entry_;
  l.entry.eax = kBootMagic;
  l.entry.ebx = static_cast<uint32_t>(l.info.value());
  return l;
}

void Multiboot::writeInfo(PhysMemory& mem, const MultibootLayout& l) const {
  std::vector<uint8_t> page(kPageSize, 0);
  auto map = pcMemoryMap(mem.size());
  uint64_t ram_end = mem.size();
  put32(&page[kInfoFlags], kInfoMemory | kInfoCmdline | kInfoMemoryMap | kInfoLoaderName);
  put32(&page[kInfoMemLower], static_cast<uint32_t>(kLowRamEnd >> 10));
  put32(&page[kInfoMemUpper], static_cast<uint32_t>(std::min<uint64_t>(ram_end, k4G) - kHighRamStart) >> 10);
  put32(&page[kInfoCmdlinePtr], static_cast<uint32_t>(l.cmdline.value()));
  put32(&page[kInfoMmapLength], static_cast<uint32_t>(map.size() * kMmapEntrySize));
  put32(&page[kInfoMmapAddr], static_cast<uint32_t>(l.info.value() + kMmapOffset));
  put32(&page[kInfoLoaderNamePtr], static_cast<uint32_t>(l.info.value() + kLoaderNameOffset));
  static_assert(kInfoSize <= kMmapOffset);
  TANDEM_ASSERT(kMmapOffset + 8 * kMmapEntrySize <= kLoaderNameOffset && map.size() <= 8);
  for (size_t i = 0; i < map.size(); ++i) {
    uint8_t* e = &page[kMmapOffset + i * kMmapEntrySize];
    put32(e, kMmapEntrySize - 4);  // the size field does not count itself
    put64(e + 4, map[i].base);
    put64(e + 12, map[i].length);
    put32(e + 20, map[i].type);
  }
  std::memcpy(&page[kLoaderNameOffset], kLoaderName, sizeof kLoaderName);
  TANDEM_ASSERT(mem.write(l.info, page.data(), page.size()));
}

Result<MultibootLayout> Multiboot::load(PhysMemory& mem) const {
  auto planned = plan(mem.size());
  if (!planned) return planned.error();
  MultibootLayout l = *planned;
  for (const Segment& s : segments_) {
    TANDEM_ASSERT(mem.write(GuestPhys(s.addr), image_.bytes().data() + s.file_offset, s.file_size));
    std::vector<uint8_t> zeroes(s.mem_size - s.file_size, 0);
    TANDEM_ASSERT(mem.write(GuestPhys(s.addr + s.file_size), zeroes.data(), zeroes.size()));
  }
  TANDEM_ASSERT(mem.write(l.cmdline, cmdline_.c_str(), cmdline_.size() + 1));
  writeInfo(mem, l);
  l.entry = l.entry.withFlatGdt(mem, kBootGdtAddr);
  TANDEM_LOG("boot", Info, "multiboot %s: 0x%" PRIx64 "-0x%" PRIx64 ", entry 0x%x", image_.name().c_str(),
             l.image_start.value(), l.image_end.value(), l.entry.eip);
  return l;
}

}  // namespace tandem
