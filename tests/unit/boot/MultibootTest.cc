#include "vmm/boot/Multiboot.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/boot/ByteFields.h"
#include "tests/unit/cpu/TestMachine.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

using test::get32;
using test::get64;
using test::kMiB;

// A minimal multiboot ELF: one PT_LOAD segment whose file bytes (at file
// offset 0x1000) start with the multiboot header, followed by a pattern,
// then `bss` bytes of zeroes in memory.
struct FakeElf : test::ByteFields {
  static constexpr uint32_t kSegOffset = 0x1000;

  explicit FakeElf(uint32_t filesz = 0x100, uint32_t bss = 0x80) {
    bytes.assign(kSegOffset + filesz, 0);
    std::memcpy(&bytes[0], "\x7F" "ELF", 4);
    bytes[4] = 1;  // 32-bit
    bytes[5] = 1;  // little-endian
    bytes[6] = 1;  // ELF version
    set16(16, 2);  // ET_EXEC
    set16(18, 3);  // EM_386
    set32(20, 1);
    set32(24, 0x100010);  // e_entry
    set32(28, 52);        // e_phoff
    set16(40, 52);        // e_ehsize
    set16(42, 32);        // e_phentsize
    set16(44, 1);         // e_phnum
    set32(52, 1);         // PT_LOAD
    set32(56, kSegOffset);
    set32(60, 0x100000);  // p_vaddr
    set32(64, 0x100000);  // p_paddr
    set32(68, filesz);
    set32(72, filesz + bss);
    set32(76, 5);
    set32(80, 0x1000);
    setHeader(kSegOffset, 0x2);
    for (uint32_t i = 12; i < filesz; ++i) bytes[kSegOffset + i] = static_cast<uint8_t>(i * 3 + 1);
  }
  void setHeader(size_t at, uint32_t flags) {
    set32(at, Multiboot::kHeaderMagic);
    set32(at + 4, flags);
    set32(at + 8, 0u - Multiboot::kHeaderMagic - flags);
  }
  ImageFile image() const { return ImageFile("multiboot kernel fake.elf", bytes); }
};

std::string errorOf(const FakeElf& f, uint64_t ram = 4 * kMiB) {
  auto mb = Multiboot::fromImage(f.image(), "");
  if (!mb) return mb.error().message;
  PhysMemory mem(ram);
  auto l = mb->load(mem);
  return l ? std::string("(no error)") : l.error().message;
}

TEST(Multiboot, LoadsSegmentsAtTheirPhysicalAddressesAndZeroesBss) {
  FakeElf f(0x100, 0x80);
  auto mb = Multiboot::fromImage(f.image(), "");
  ASSERT_TRUE(mb) << mb.error().message;
  PhysMemory mem(4 * kMiB);
  std::memset(mem.base() + 0x100000, 0xCC, 0x1000);
  auto l = mb->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->image_start.value(), 0x100000u);
  EXPECT_EQ(l->image_end.value(), 0x100180u);
  EXPECT_EQ(0, std::memcmp(mem.base() + 0x100000, f.bytes.data() + FakeElf::kSegOffset, 0x100));
  for (int i = 0; i < 0x80; ++i) ASSERT_EQ(mem.base()[0x100100 + i], 0) << i;
  EXPECT_EQ(mem.base()[0x100180], 0xCC);  // nothing past the segment
}

TEST(Multiboot, EntersWithTheBootMagicInEaxAndTheInfoAddressInEbx) {
  FakeElf f;
  PhysMemory mem(4 * kMiB);
  auto l = Multiboot::fromImage(f.image(), "")->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->entry.eip, 0x100010u);
  EXPECT_EQ(l->entry.eax, 0x2BADB002u);
  EXPECT_EQ(l->entry.ebx, l->info.value());
  EXPECT_EQ(l->entry.gdt_base, kBootGdtAddr.value());
}

TEST(Multiboot, InfoGivesMemorySizesMemoryMapCommandLineAndLoaderName) {
  FakeElf f;
  PhysMemory mem(4 * kMiB);
  auto l = Multiboot::fromImage(f.image(), "verbose=1")->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  const uint8_t* info = mem.base() + l->info.value();
  uint32_t flags = get32(info);
  EXPECT_EQ(flags, Multiboot::kInfoMemory | Multiboot::kInfoCmdline | Multiboot::kInfoMemoryMap |
                       Multiboot::kInfoLoaderName);
  EXPECT_EQ(get32(info + 4), 639u);   // mem_lower, KiB
  EXPECT_EQ(get32(info + 8), 3072u);  // mem_upper, KiB above 1 MiB
  EXPECT_STREQ(reinterpret_cast<const char*>(mem.base() + get32(info + 16)), "verbose=1");
  EXPECT_STREQ(reinterpret_cast<const char*>(mem.base() + get32(info + 64)), "tandem");
  ASSERT_EQ(get32(info + 44), 3 * 24u);  // mmap_length
  const uint8_t* m = mem.base() + get32(info + 48);
  EXPECT_EQ(get32(m), 20u);  // size of the rest of the entry
  EXPECT_EQ(get64(m + 4), 0u);
  EXPECT_EQ(get64(m + 12), kLowRamEnd);
  EXPECT_EQ(get32(m + 20), e820::kRam);
  EXPECT_EQ(get32(m + 24 + 20), e820::kReserved);
  EXPECT_EQ(get64(m + 48 + 4), kHighRamStart);
  EXPECT_EQ(get64(m + 48 + 12), 3 * kMiB);
}

TEST(Multiboot, VirtualEntryPointIsTranslatedToItsPhysicalAddress) {
  FakeElf f;
  f.set32(60, 0xC0100000);  // p_vaddr
  f.set32(24, 0xC0100020);  // e_entry
  auto mb = Multiboot::fromImage(f.image(), "");
  ASSERT_TRUE(mb) << mb.error().message;
  EXPECT_EQ(mb->entryPoint(), 0x100020u);
}

TEST(Multiboot, AddressFieldsInTheHeaderPlaceAFlatImage) {
  // Not ELF: a flat binary whose header (flag bit 16) says where it goes.
  std::vector<uint8_t> b(0x200, 0x90);
  auto put = [&](size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); };
  uint32_t flags = Multiboot::kAddressFields;
  put(0x40, Multiboot::kHeaderMagic);
  put(0x44, flags);
  put(0x48, 0u - Multiboot::kHeaderMagic - flags);
  put(0x4C, 0x200040);  // header_addr
  put(0x50, 0x200000);  // load_addr
  put(0x54, 0x200180);  // load_end_addr
  put(0x58, 0x200300);  // bss_end_addr
  put(0x5C, 0x200100);  // entry_addr
  auto mb = Multiboot::fromImage(ImageFile("multiboot kernel flat.bin", b), "");
  ASSERT_TRUE(mb) << mb.error().message;
  PhysMemory mem(4 * kMiB);
  std::memset(mem.base() + 0x200000, 0xCC, 0x400);
  auto l = mb->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->entry.eip, 0x200100u);
  EXPECT_EQ(0, std::memcmp(mem.base() + 0x200000, b.data(), 0x180));
  EXPECT_EQ(mem.base()[0x200180], 0);  // bss
  EXPECT_EQ(mem.base()[0x2002FF], 0);
  EXPECT_EQ(mem.base()[0x200300], 0xCC);
}

TEST(Multiboot, LoadsTheHelloTestGuest) {
  std::string path = std::string(TANDEM_BUILD_DIR) + "/guests/hello.elf";
  auto mb = Multiboot::open(path, "");
  ASSERT_TRUE(mb) << mb.error().message;
  auto file = ImageFile::read("hello", path);
  ASSERT_TRUE(file);
  EXPECT_EQ(mb->entryPoint(), *file->u32(24));  // linked at its physical address
  PhysMemory mem(16 * kMiB);
  auto l = mb->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->image_start.value(), 0x100000u);
  // guest.ld puts the multiboot header first.
  EXPECT_EQ(get32(mem.base() + 0x100000), Multiboot::kHeaderMagic);
}

// Loader and CPU together: the entry state is one the interpreter runs from,
// and the guest finds what it checks in the information structure.
TEST(Multiboot, HelloGuestPassesOnTheInterpreter) {
  auto mb = Multiboot::open(std::string(TANDEM_BUILD_DIR) + "/guests/hello.elf", "");
  ASSERT_TRUE(mb) << mb.error().message;
  PhysMemory mem(16 * kMiB);
  auto l = mb->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  test::RecordingBus bus;
  Cpu cpu(mem, bus);
  cpu.loadState(l->entry.cpuState());
  RunResult r = cpu.run(1000000);
  EXPECT_EQ(r.reason, StopReason::kHalted) << cpu.describe();
  EXPECT_NE(bus.serial.find("hello from a tandem test guest\n"), std::string::npos) << bus.serial;
  EXPECT_NE(bus.serial.find("memory above 1 MiB: 0x00003C00 KiB\nPASS\n"), std::string::npos) << bus.serial;
  ASSERT_FALSE(bus.writes.empty());
  EXPECT_EQ(bus.writes.back(), std::make_pair(uint16_t{0x501}, uint32_t{0}));  // the PASS exit byte
}

TEST(Multiboot, MissingFileIsNamed) {
  auto mb = Multiboot::open("/nonexistent/guest.elf", "");
  ASSERT_FALSE(mb);
  EXPECT_EQ(mb.error().message, "multiboot kernel /nonexistent/guest.elf: No such file or directory");
}

TEST(Multiboot, ImageWithoutHeaderIsRefused) {
  FakeElf f;
  f.set32(FakeElf::kSegOffset, 0);
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: no multiboot header (magic 0x1BADB002) in the first 8192 bytes");
}

TEST(Multiboot, HeaderPastTheFirst8KiBIsNotFound) {
  FakeElf f(0x2000);
  f.set32(FakeElf::kSegOffset, 0);
  f.setHeader(0x2000, 0);
  EXPECT_NE(errorOf(f).find("no multiboot header"), std::string::npos);
}

TEST(Multiboot, HeaderWithBadChecksumIsRefused) {
  FakeElf f;
  f.set32(FakeElf::kSegOffset + 8, 0);
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: multiboot header at offset 0x1000 has a bad checksum");
}

TEST(Multiboot, RequestForVideoModeIsRefused) {
  FakeElf f;
  f.setHeader(FakeElf::kSegOffset, Multiboot::kWantVideoMode);
  EXPECT_NE(errorOf(f).find("asks for video mode information (flag bit 2)"), std::string::npos);
}

TEST(Multiboot, UnknownRequirementFlagIsRefused) {
  FakeElf f;
  f.setHeader(FakeElf::kSegOffset, 1u << 5);
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: the multiboot header has requirement flags 0x20 that tandem does not know");
}

TEST(Multiboot, NonElfWithoutAddressFieldsIsRefused) {
  FakeElf f;
  f.bytes[1] = 'X';
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: not an ELF file, and its multiboot header gives no load "
                        "addresses (flag bit 16)");
}

TEST(Multiboot, ElfForAnotherMachineIsRefused) {
  FakeElf f;
  f.set16(18, 62);  // x86-64
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: not an i386 ELF file (e_machine 62)");
}

TEST(Multiboot, SegmentPastTheEndOfTheFileIsTruncated) {
  FakeElf f;
  f.set32(68, 0x200);  // p_filesz beyond the file
  f.set32(72, 0x200);
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: segment 0 (0x100000, 0x200 bytes): its 512 bytes at "
                        "offset 0x1000 lie past the end of the file (truncated?)");
}

TEST(Multiboot, ProgramHeadersPastTheEndOfTheFileAreRefused) {
  FakeElf f;
  f.set32(28, 0x10000);
  EXPECT_NE(errorOf(f).find("ELF program headers (1 at offset 0x10000) lie past the end of the file"),
            std::string::npos);
}

TEST(Multiboot, SegmentWithFileszAboveMemszIsRefused) {
  FakeElf f;
  f.set32(72, 0x10);
  EXPECT_NE(errorOf(f).find("has p_filesz 0x100 larger than p_memsz 0x10"), std::string::npos);
}

TEST(Multiboot, SegmentBelowOneMiBIsRefused) {
  FakeElf f;
  f.set32(60, 0x8000);
  f.set32(64, 0x8000);
  f.set32(24, 0x8010);
  EXPECT_NE(errorOf(f).find("segment 0 (0x8000, 0x180 bytes) lies below 1 MiB"), std::string::npos);
}

TEST(Multiboot, EntryOutsideTheImageIsRefused) {
  FakeElf f;
  f.set32(24, 0x300000);
  EXPECT_EQ(errorOf(f), "multiboot kernel fake.elf: ELF entry point 0x300000 is not inside a loadable segment");
}

TEST(Multiboot, RamTooSmallForTheImageIsRefused) {
  FakeElf f;
  f.set32(60, 0x800000);
  f.set32(64, 0x800000);
  f.set32(24, 0x800010);
  EXPECT_EQ(errorOf(f, 4 * kMiB), "multiboot kernel fake.elf: guest RAM of 4096 KiB is too small: the image "
                                  "needs memory up to 0x800180");
}

}  // namespace
}  // namespace tandem
