// Checks tandem's Linux loader on a machine known to work: loads a kernel
// and initrd with LinuxBoot into guest RAM, then writes what it put there
// as a multiboot ELF that QEMU's `-kernel` can start. A small stub at 1 MiB
// copies the loader's low-memory structures (GDT, boot_params, command
// line) into place, loads exactly the entry state LinuxBoot asked for and
// jumps to the kernel. If Linux boots under QEMU from this image, the
// setup header handling, boot_params, e820 map, initrd placement and entry
// state are right, independently of tandem's CPU.
//
// Usage: linux_boot_elf KERNEL INITRD CMDLINE RAM_MIB OUT.elf
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "vmm/PhysMemory.h"
#include "vmm/boot/LinuxBoot.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

constexpr uint32_t kStubAddr = 0x100000;
constexpr uint32_t kStubGdtr = 12;      // after the multiboot header
constexpr uint32_t kStubCode = 0x20;
constexpr uint32_t kStubBlob = 0x100;   // the copy of low memory

struct Segment {
  uint32_t addr;
  std::vector<uint8_t> bytes;
};

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { std::memcpy(&b[at], &v, 2); }
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); }

class Code {
 public:
  void bytes(std::initializer_list<uint8_t> bs) { out.insert(out.end(), bs); }
  void imm32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out;
};

// The stub: multiboot header, GDTR, code, then the low-memory blob.
Segment stub(const BootEntry& e, const std::vector<uint8_t>& low, uint32_t low_addr) {
  Segment s{kStubAddr, std::vector<uint8_t>(kStubBlob + low.size(), 0)};
  const uint32_t magic = 0x1BADB002, flags = 0;
  put32(s.bytes, 0, magic);
  put32(s.bytes, 4, flags);
  put32(s.bytes, 8, 0u - magic - flags);
  put16(s.bytes, kStubGdtr, static_cast<uint16_t>(e.gdt_limit));
  put32(s.bytes, kStubGdtr + 2, e.gdt_base);

  Code c;
  c.bytes({0xFC});                                   // cld
  c.bytes({0xBE}); c.imm32(kStubAddr + kStubBlob);   // mov esi, blob
  c.bytes({0xBF}); c.imm32(low_addr);                // mov edi, low_addr
  c.bytes({0xB9}); c.imm32(static_cast<uint32_t>(low.size()));  // mov ecx, size
  c.bytes({0xF3, 0xA4});                             // rep movsb
  c.bytes({0x0F, 0x01, 0x15}); c.imm32(kStubAddr + kStubGdtr);  // lgdt [gdtr]
  uint32_t after_jump = kStubAddr + kStubCode + static_cast<uint32_t>(c.out.size()) + 7;
  c.bytes({0xEA}); c.imm32(after_jump); c.bytes({kBootCodeSelector, 0});  // jmp far 0x10:next
  c.bytes({0xB8}); c.imm32(kBootDataSelector);       // mov eax, 0x18
  c.bytes({0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0, 0x8E, 0xE0, 0x8E, 0xE8});  // ds, es, ss, fs, gs
  c.bytes({0x31, 0xED, 0x31, 0xFF, 0x31, 0xDB});     // ebp = edi = ebx = 0
  c.bytes({0xBE}); c.imm32(e.esi);                   // mov esi, boot_params
  c.bytes({0xB8}); c.imm32(e.eip);                   // mov eax, entry
  c.bytes({0xFF, 0xE0});                             // jmp eax
  if (kStubCode + c.out.size() > kStubBlob) std::abort();
  std::memcpy(&s.bytes[kStubCode], c.out.data(), c.out.size());
  std::memcpy(&s.bytes[kStubBlob], low.data(), low.size());
  return s;
}

std::vector<uint8_t> elf(const std::vector<Segment>& segs, uint32_t entry) {
  const size_t phoff = 52, phsize = 32;
  size_t offset = 0x1000;
  std::vector<uint8_t> out(offset, 0);
  std::memcpy(&out[0], "\x7F" "ELF\x01\x01\x01", 7);
  put16(out, 16, 2);  // ET_EXEC
  put16(out, 18, 3);  // EM_386
  put32(out, 20, 1);
  put32(out, 24, entry);
  put32(out, 28, phoff);
  put16(out, 40, 52);
  put16(out, 42, phsize);
  put16(out, 44, static_cast<uint16_t>(segs.size()));
  for (size_t i = 0; i < segs.size(); ++i) {
    size_t ph = phoff + i * phsize;
    uint32_t size = static_cast<uint32_t>(segs[i].bytes.size());
    put32(out, ph, 1);  // PT_LOAD
    put32(out, ph + 4, static_cast<uint32_t>(out.size()));
    put32(out, ph + 8, segs[i].addr);
    put32(out, ph + 12, segs[i].addr);
    put32(out, ph + 16, size);
    put32(out, ph + 20, size);
    put32(out, ph + 24, 7);
    put32(out, ph + 28, 0x1000);
    out.insert(out.end(), segs[i].bytes.begin(), segs[i].bytes.end());
    out.resize((out.size() + 0xFFF) & ~size_t{0xFFF}, 0);
  }
  return out;
}

std::vector<uint8_t> copyOut(const PhysMemory& mem, uint64_t addr, uint64_t size) {
  std::vector<uint8_t> b(size);
  if (!mem.read(GuestPhys(addr), b.data(), size)) std::abort();
  return b;
}

int run(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s KERNEL INITRD CMDLINE RAM_MIB OUT.elf\n", argv[0]);
    return 2;
  }
  auto boot = LinuxBoot::open(argv[1], argv[2], argv[3]);
  if (!boot) {
    std::fprintf(stderr, "linux_boot_elf: %s\n", boot.error().message.c_str());
    return 2;
  }
  PhysMemory mem(std::stoull(argv[4]) << 20);
  auto l = boot->load(mem);
  if (!l) {
    std::fprintf(stderr, "linux_boot_elf: %s\n", l.error().message.c_str());
    return 2;
  }
  // Low memory from the GDT to the end of the command line.
  uint64_t low_start = kBootGdtAddr.value();
  uint64_t low_end = l->cmdline.value() + std::strlen(argv[3]) + 1;
  std::vector<Segment> segs = {
      stub(l->entry, copyOut(mem, low_start, low_end - low_start), static_cast<uint32_t>(low_start)),
      {static_cast<uint32_t>(l->kernel.value()), copyOut(mem, l->kernel.value(), l->kernel_size)},
      {static_cast<uint32_t>(l->initrd.value()), copyOut(mem, l->initrd.value(), l->initrd_size)},
  };
  std::vector<uint8_t> image = elf(segs, kStubAddr + kStubCode);
  std::ofstream out(argv[5], std::ios::binary);
  out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  if (!out) {
    std::fprintf(stderr, "linux_boot_elf: cannot write %s\n", argv[5]);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) { return tandem::run(argc, argv); }
