#include "vmm/boot/LinuxBoot.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "vmm/Assert.h"
#include "vmm/Log.h"
#include "vmm/boot/Initramfs.h"
#include "vmm/boot/KernelPayload.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

// Offsets in the bzImage, which are also offsets in boot_params: the setup
// header sits at 0x1F1 in both.
constexpr uint64_t kSetupSects = 0x1F1;
constexpr uint64_t kSyssize = 0x1F4;
constexpr uint64_t kBootFlag = 0x1FE;
constexpr uint64_t kJump = 0x200;
constexpr uint64_t kHeaderMagic = 0x202;
constexpr uint64_t kVersion = 0x206;
constexpr uint64_t kKernelVersion = 0x20E;
constexpr uint64_t kTypeOfLoader = 0x210;
constexpr uint64_t kLoadflags = 0x211;
constexpr uint64_t kCode32Start = 0x214;
constexpr uint64_t kRamdiskImage = 0x218;
constexpr uint64_t kRamdiskSize = 0x21C;
constexpr uint64_t kCmdLinePtr = 0x228;
constexpr uint64_t kInitrdAddrMax = 0x22C;
constexpr uint64_t kKernelAlignment = 0x230;
constexpr uint64_t kRelocatableKernel = 0x234;
constexpr uint64_t kCmdlineSize = 0x238;
constexpr uint64_t kPrefAddress = 0x258;
constexpr uint64_t kInitSize = 0x260;
constexpr uint64_t kProtocol210End = 0x264;  // the last 2.10 field ends here

// boot_params ("zero page") fields outside the setup header.
constexpr uint64_t kBootParamsSize = 0x1000;
constexpr uint64_t kE820Entries = 0x1E8;
constexpr uint64_t kSetupHeaderEnd = 0x290;  // room for the header in boot_params
constexpr uint64_t kE820Table = 0x2D0;
constexpr uint64_t kE820EntrySize = 20;

constexpr uint16_t kBootFlagValue = 0xAA55;
constexpr uint32_t kHdrS = 0x53726448;  // "HdrS"
constexpr uint8_t kLoaderUndefined = 0xFF;
constexpr uint64_t k4G = uint64_t{1} << 32;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIX64, v);
  return buf;
}

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string protocol(uint16_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%02u", v >> 8, v & 0xFF);
  return buf;
}

uint64_t alignUp(uint64_t v, uint64_t align) { return (v + align - 1) / align * align; }

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
static_assert(std::endian::native == std::endian::little, "guest structures are written in host order");

}  // namespace

Result<LinuxBoot> LinuxBoot::open(const std::string& kernel_path, const std::string& initrd_path,
                                  std::string cmdline) {
  auto kernel = ImageFile::read("kernel", kernel_path);
  if (!kernel) return kernel.error();
  std::optional<ImageFile> initrd;
  if (!initrd_path.empty()) {
    auto i = ImageFile::read("initrd", initrd_path);
    if (!i) return i.error();
    initrd = std::move(*i);
  }
  return fromImages(std::move(*kernel), std::move(initrd), std::move(cmdline));
}

Result<LinuxSetupHeader> LinuxBoot::parseHeader(const ImageFile& k) {
  if (!k.has(0, kHeaderMagic + 4))
    return k.error("not a bzImage: only " + std::to_string(k.size()) + " bytes");
  if (*k.u16(kBootFlag) != kBootFlagValue)
    return k.error("not a bzImage: no boot signature 0xAA55 at offset 0x1FE");
  if (*k.u32(kHeaderMagic) != kHdrS)
    return k.error("not a bzImage: no \"HdrS\" setup header at offset 0x202");
  LinuxSetupHeader h{};
  h.version = k.u16(kVersion).value_or(0);
  if (h.version < kMinProtocol)
    return k.error("boot protocol " + protocol(h.version) + " is too old; " +
                   protocol(kMinProtocol) + " or later is needed");
  h.header_end = static_cast<uint32_t>(kJump + 2 + *k.u8(kJump + 1));
  if (h.header_end < kProtocol210End || !k.has(0, h.header_end))
    return k.error("truncated setup header (ends at " + hex(std::min<uint64_t>(h.header_end, k.size())) +
                   ", protocol " + protocol(h.version) + " needs it to reach " + hex(kProtocol210End) + ")");
  h.setup_sects = *k.u8(kSetupSects);
  if (h.setup_sects == 0) h.setup_sects = 4;  // the protocol's meaning of 0
  h.syssize = *k.u32(kSyssize);
  h.loadflags = *k.u8(kLoadflags);
  h.code32_start = *k.u32(kCode32Start);
  h.initrd_addr_max = *k.u32(kInitrdAddrMax);
  h.kernel_alignment = *k.u32(kKernelAlignment);
  h.relocatable_kernel = *k.u8(kRelocatableKernel);
  h.cmdline_size = *k.u32(kCmdlineSize);
  h.pref_address = *k.u64(kPrefAddress);
  h.init_size = *k.u32(kInitSize);

  if (!(h.loadflags & kLoadedHigh))
    return k.error("a zImage (loaded below 1 MiB) is not supported; a bzImage (LOADED_HIGH) is needed");
  uint64_t pm_offset = (uint64_t{h.setup_sects} + 1) * 512;
  if (k.size() <= pm_offset)
    return k.error("truncated: the setup code takes " + std::to_string(h.setup_sects + 1) +
                   " sectors (" + std::to_string(pm_offset) + " bytes) but the file has " +
                   std::to_string(k.size()) + " bytes");
  uint64_t pm_size = k.size() - pm_offset;
  if (uint64_t{h.syssize} * 16 > pm_size)
    return k.error("truncated: the setup header says the protected-mode kernel is " +
                   std::to_string(uint64_t{h.syssize} * 16) + " bytes but the file holds " +
                   std::to_string(pm_size));
  if (h.relocatable_kernel && (h.kernel_alignment == 0 || (h.kernel_alignment & (h.kernel_alignment - 1))))
    return k.error("kernel_alignment " + hex(h.kernel_alignment) + " is not a power of two");
  if (h.code32_start < kHighRamStart || h.code32_start - kHighRamStart >= pm_size)
    return k.error("code32_start " + hex(h.code32_start) +
                   " is not inside the protected-mode kernel (loaded at 1 MiB, " +
                   std::to_string(pm_size) + " bytes)");
  return h;
}

Result<LinuxBoot> LinuxBoot::fromImages(ImageFile kernel, std::optional<ImageFile> initrd,
                                        std::string cmdline) {
  auto h = parseHeader(kernel);
  if (!h) return h.error();
  if (cmdline.find('\0') != std::string::npos)
    return makeError("command line contains a NUL byte");
  uint64_t room = std::min<uint64_t>(h->cmdline_size, kBootCmdlineRoom - 1);
  if (cmdline.size() > room)
    return kernel.error("command line is " + std::to_string(cmdline.size()) +
                        " bytes; this kernel accepts at most " + std::to_string(room));
  if (initrd && initrd->size() == 0) return initrd->error("empty file");
  if (initrd && initrd->size() >= k4G) return initrd->error("larger than 4 GiB");
  if (initrd) {
    if (Status s = Initramfs::check(*initrd); !s) return s.error();
  }
  return LinuxBoot(std::move(kernel), std::move(initrd), std::move(cmdline), *h);
}

std::string LinuxBoot::kernelVersion() const {
  uint16_t ptr = kernel_.u16(kKernelVersion).value_or(0);
  if (ptr == 0) return "";
  uint64_t at = uint64_t{ptr} + 0x200;
  const auto& b = kernel_.bytes();
  if (at >= b.size()) return "";
  auto end = std::find(b.begin() + static_cast<ptrdiff_t>(at), b.end(), 0);
  return std::string(b.begin() + static_cast<ptrdiff_t>(at), end);
}

Result<LinuxBootLayout> LinuxBoot::plan(uint64_t ram_bytes) const {
  const std::string ram = "guest RAM of " + mib(ram_bytes);
  if (ram_bytes < kHighRamStart) return kernel_.error(ram + " is too small: less than 1 MiB");
  LinuxBootLayout l;
  l.kernel_size = kernel_.size() - protectedModeOffset();
  // A relocatable kernel runs where it is loaded (aligned) but never below
  // pref_address; loading it there, as the protocol recommends, lets it
  // decompress in place. A fixed kernel is loaded at 1 MiB and moves itself.
  if (hdr_.relocatable_kernel) {
    l.kernel = GuestPhys(alignUp(std::max<uint64_t>(hdr_.pref_address, kHighRamStart),
                                 hdr_.kernel_alignment));
    l.runtime = l.kernel;
  } else {
    l.kernel = GuestPhys(kHighRamStart);
    l.runtime = hdr_.pref_address ? GuestPhys(hdr_.pref_address) : l.kernel;
  }
  l.runtime_size = std::max<uint64_t>(hdr_.init_size, l.kernel_size);
  uint64_t kernel_end = std::max(l.kernel.value() + l.kernel_size, l.runtime.value() + l.runtime_size);
  if (kernel_end > std::min(ram_bytes, k4G))
    return kernel_.error(ram + " is too small: the kernel is loaded at " + hex(l.kernel.value()) +
                         " and needs memory up to " + hex(kernel_end) + " (" + mib(kernel_end) + ")");
  l.entry.eip = static_cast<uint32_t>(l.kernel.value() + hdr_.code32_start - kHighRamStart);

  if (initrd_) {
    // As high as possible, page-aligned, wholly below initrd_addr_max, and
    // clear of everything the kernel uses before it reads its memory map.
    uint64_t limit = std::min({ram_bytes, uint64_t{hdr_.initrd_addr_max} + 1, k4G});
    l.initrd_size = initrd_->size();
    uint64_t at = limit >= l.initrd_size ? (limit - l.initrd_size) & ~uint64_t{kPageSize - 1} : 0;
    if (limit < l.initrd_size || at < kernel_end)
      return initrd_->error(std::to_string(l.initrd_size) + " bytes (" + mib(l.initrd_size) +
                            ") do not fit in " + ram + " between the kernel's end at " +
                            hex(kernel_end) + " and " + hex(limit));
    l.initrd = GuestPhys(at);
  }
  l.boot_params = kBootInfoAddr;
  l.cmdline = kBootCmdlineAddr;
  l.entry.esi = static_cast<uint32_t>(l.boot_params.value());
  return l;
}

void LinuxBoot::writeBootParams(PhysMemory& mem, const LinuxBootLayout& l) const {
  std::vector<uint8_t> bp(kBootParamsSize, 0);
  // The setup header as the image has it, then the loader's own fields.
  uint64_t hdr_end = std::min<uint64_t>(hdr_.header_end, kSetupHeaderEnd);
  std::copy(kernel_.bytes().begin() + kSetupSects, kernel_.bytes().begin() + static_cast<ptrdiff_t>(hdr_end),
            bp.begin() + kSetupSects);
  bp[kTypeOfLoader] = kLoaderUndefined;
  put32(&bp[kCode32Start], l.entry.eip);
  put32(&bp[kRamdiskImage], static_cast<uint32_t>(l.initrd.value()));
  put32(&bp[kRamdiskSize], static_cast<uint32_t>(l.initrd_size));
  put32(&bp[kCmdLinePtr], static_cast<uint32_t>(l.cmdline.value()));
  auto map = pcMemoryMap(mem.size());
  bp[kE820Entries] = static_cast<uint8_t>(map.size());
  for (size_t i = 0; i < map.size(); ++i) {
    uint8_t* e = &bp[kE820Table + i * kE820EntrySize];
    put64(e, map[i].base);
    put64(e + 8, map[i].length);
    put32(e + 16, map[i].type);
  }
  TANDEM_ASSERT(mem.write(l.boot_params, bp.data(), bp.size()));
}

Status LinuxBoot::decompressOnHost(PhysMemory& mem, LinuxBootLayout* l) const {
  auto payload = KernelPayload::extract(kernel_, protectedModeOffset());
  if (!payload) return payload.error();
  // Elsewhere than where it was linked, the kernel needs the relocations
  // only the in-guest decompressor applies.
  if (!*payload || l->runtime.value() != hdr_.pref_address) return {};
  const KernelPayload& p = **payload;
  uint64_t area_end = l->runtime.value() + l->runtime_size;
  if (p.lowest() < l->runtime.value() || p.highest() > area_end)
    return kernel_.error("the decompressed kernel spans " + hex(p.lowest()) + ".." +
                         hex(p.highest()) + ", outside the " + hex(l->runtime.value()) + ".." +
                         hex(area_end) + " its header asks for");
  // The compressed kernel may lie below the segments; clear all of it.
  std::vector<uint8_t> zero(l->kernel_size, 0);
  TANDEM_ASSERT(mem.write(l->kernel, zero.data(), zero.size()));
  for (const KernelSegment& s : p.segments()) {
    TANDEM_ASSERT(mem.write(GuestPhys(s.paddr), s.bytes.data(), s.bytes.size()));
    std::vector<uint8_t> bss(s.mem_size - s.bytes.size(), 0);
    TANDEM_ASSERT(mem.write(GuestPhys(s.paddr + s.bytes.size()), bss.data(), bss.size()));
  }
  l->kernel = GuestPhys(p.lowest());
  l->kernel_size = p.highest() - p.lowest();
  l->entry.eip = static_cast<uint32_t>(p.entry());
  l->decompressed_on_host = true;
  return {};
}

Result<LinuxBootLayout> LinuxBoot::load(PhysMemory& mem, KernelDecompression how) const {
  auto planned = plan(mem.size());
  if (!planned) return planned.error();
  LinuxBootLayout l = *planned;
  const uint8_t* bytes = kernel_.bytes().data();
  TANDEM_ASSERT(mem.write(l.kernel, bytes + protectedModeOffset(), l.kernel_size));
  if (initrd_) TANDEM_ASSERT(mem.write(l.initrd, initrd_->bytes().data(), l.initrd_size));
  TANDEM_ASSERT(mem.write(l.cmdline, cmdline_.c_str(), cmdline_.size() + 1));
  writeBootParams(mem, l);
  if (how == KernelDecompression::kOnHost) {
    if (Status s = decompressOnHost(mem, &l); !s) return s.error();
  }
  l.entry = l.entry.withFlatGdt(mem, kBootGdtAddr);
  TANDEM_LOG("boot", Info,
             "Linux %s (protocol %s): kernel %" PRIu64 " bytes at 0x%" PRIx64 " (%s), runs at 0x%" PRIx64
             " (0x%" PRIx64 " bytes), initrd %" PRIu64 " bytes at 0x%" PRIx64 ", entry 0x%x",
             kernelVersion().c_str(), protocol(hdr_.version).c_str(), l.kernel_size, l.kernel.value(),
             l.decompressed_on_host ? "decompressed on the host" : "compressed",
             l.runtime.value(), l.runtime_size, l.initrd_size, l.initrd.value(), l.entry.eip);
  return l;
}

}  // namespace tandem
