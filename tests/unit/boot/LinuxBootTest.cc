#include "vmm/boot/LinuxBoot.h"

#include <gtest/gtest.h>
#include <lzma.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

#include "tests/unit/boot/ByteFields.h"
#include "vmm/boot/DefaultGuest.h"
#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

using test::get32;
using test::get64;
using test::kMiB;

// A minimal bzImage: one setup sector after the boot sector, a 2.15 setup
// header, and `payload` bytes of protected-mode "kernel" (a counting pattern).
struct FakeBzImage : test::ByteFields {
  explicit FakeBzImage(uint32_t payload = 8192) {
    bytes.assign(1024 + payload, 0);
    for (uint32_t i = 0; i < payload; ++i) bytes[1024 + i] = static_cast<uint8_t>(i * 7 + 1);
    set8(0x1F1, 1);                // setup_sects
    set32(0x1F4, payload / 16);    // syssize
    set16(0x1FE, 0xAA55);          // boot_flag
    set8(0x200, 0xEB);             // jmp to the end of the header
    set8(0x201, 0x6A);
    std::memcpy(&bytes[0x202], "HdrS", 4);
    set16(0x206, 0x020F);
    set16(0x20E, 0x300 - 0x200);   // kernel_version string
    std::strcpy(reinterpret_cast<char*>(&bytes[0x300]), "9.9.9-test (tandem) #1");
    set8(0x211, 0x01);             // LOADED_HIGH
    set32(0x214, 0x100000);        // code32_start
    set32(0x22C, 0x7FFFFFFF);      // initrd_addr_max
    set32(0x230, 0x200000);        // kernel_alignment
    set8(0x234, 1);                // relocatable_kernel
    set32(0x238, 255);             // cmdline_size
    set32(0x258, 0x1000000);       // pref_address
    set32(0x260, 0x400000);        // init_size
  }
  ImageFile image() const { return ImageFile("kernel fake.bzImage", bytes); }
};

ImageFile initrdOf(size_t size) {
  std::vector<uint8_t> b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(i ^ 0x5A);
  return ImageFile("initrd fake.cpio", b);
}

Result<LinuxBootLayout> loadFake(const FakeBzImage& k, PhysMemory& mem, std::string cmdline = "console=ttyS0",
                                 std::optional<ImageFile> initrd = std::nullopt) {
  auto boot = LinuxBoot::fromImages(k.image(), std::move(initrd), std::move(cmdline));
  if (!boot) return boot.error();
  return boot->load(mem);
}

std::string errorOf(const FakeBzImage& k, uint64_t ram = 64 * kMiB, std::string cmdline = "",
                    std::optional<ImageFile> initrd = std::nullopt) {
  PhysMemory mem(ram);
  auto l = loadFake(k, mem, std::move(cmdline), std::move(initrd));
  return l ? std::string("(no error)") : l.error().message;
}

TEST(LinuxBoot, RelocatableKernelIsLoadedAtPrefAddressAndEnteredThere) {
  FakeBzImage k;
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->kernel.value(), 0x1000000u);
  EXPECT_EQ(l->runtime.value(), 0x1000000u);
  EXPECT_EQ(l->kernel_size, 8192u);
  EXPECT_EQ(l->entry.eip, 0x1000000u);
  EXPECT_EQ(0, std::memcmp(mem.base() + 0x1000000, k.bytes.data() + 1024, 8192));
}

TEST(LinuxBoot, RelocatableKernelLoadAddressIsRoundedUpToItsAlignment) {
  FakeBzImage k;
  k.set32(0x258, 0x1100000);  // pref_address not 2 MiB-aligned
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->kernel.value(), 0x1200000u);
}

TEST(LinuxBoot, FixedKernelIsLoadedAtOneMiBAndRunsAtPrefAddress) {
  FakeBzImage k;
  k.set8(0x234, 0);
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->kernel.value(), 0x100000u);
  EXPECT_EQ(l->entry.eip, 0x100000u);
  EXPECT_EQ(l->runtime.value(), 0x1000000u);
  EXPECT_EQ(0, std::memcmp(mem.base() + 0x100000, k.bytes.data() + 1024, 8192));
}

TEST(LinuxBoot, InitrdIsPageAlignedAsHighAsRamAllows) {
  FakeBzImage k;
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem, "", initrdOf(10000));
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->initrd.value(), (64 * kMiB - 10000) & ~uint64_t{4095});
  EXPECT_EQ(l->initrd_size, 10000u);
  EXPECT_EQ(mem.base()[l->initrd.value() + 3], 3 ^ 0x5A);
  const uint8_t* bp = mem.base() + l->boot_params.value();
  EXPECT_EQ(get32(bp + 0x218), l->initrd.value());  // ramdisk_image
  EXPECT_EQ(get32(bp + 0x21C), 10000u);             // ramdisk_size
}

TEST(LinuxBoot, InitrdStaysBelowInitrdAddrMax) {
  FakeBzImage k;
  k.set32(0x22C, 0x2FFFFFF);
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem, "", initrdOf(5000));
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->initrd.value(), 0x2FFE000u);
  EXPECT_LE(l->initrd.value() + l->initrd_size - 1, 0x2FFFFFFu);
}

TEST(LinuxBoot, BootParamsCarryTheSetupHeaderLoaderFieldsAndE820Map) {
  FakeBzImage k;
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(k, mem, "console=ttyS0 panic=-1");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->entry.esi, l->boot_params.value());
  const uint8_t* bp = mem.base() + l->boot_params.value();
  EXPECT_EQ(0, std::memcmp(bp + 0x1F1, k.bytes.data() + 0x1F1, 0x210 - 0x1F1));
  EXPECT_EQ(0, std::memcmp(bp + 0x202, "HdrS", 4));
  EXPECT_EQ(bp[0x1EF], 0);                              // sentinel
  EXPECT_EQ(bp[0x210], 0xFF);                           // type_of_loader
  EXPECT_EQ(get32(bp + 0x228), l->cmdline.value());     // cmd_line_ptr
  EXPECT_STREQ(reinterpret_cast<const char*>(mem.base() + l->cmdline.value()), "console=ttyS0 panic=-1");
  EXPECT_EQ(get32(bp + 0x218), 0u);                     // no initrd
  ASSERT_EQ(bp[0x1E8], 3);                              // e820_entries
  const uint8_t* e = bp + 0x2D0;
  EXPECT_EQ(get64(e + 0), 0u);
  EXPECT_EQ(get64(e + 8), 0x9FC00u);
  EXPECT_EQ(get32(e + 16), e820::kRam);
  EXPECT_EQ(get64(e + 20), 0x9FC00u);
  EXPECT_EQ(get64(e + 28), 0x100000u - 0x9FC00u);
  EXPECT_EQ(get32(e + 36), e820::kReserved);
  EXPECT_EQ(get64(e + 40), 0x100000u);
  EXPECT_EQ(get64(e + 48), 63 * kMiB);
  EXPECT_EQ(get32(e + 56), e820::kRam);
}

TEST(LinuxBoot, ReportsTheKernelVersionString) {
  FakeBzImage k;
  auto boot = LinuxBoot::fromImages(k.image(), std::nullopt, "");
  ASSERT_TRUE(boot);
  EXPECT_EQ(boot->kernelVersion(), "9.9.9-test (tandem) #1");
  EXPECT_EQ(boot->header().version, 0x020F);
  EXPECT_EQ(boot->header().header_end, 0x26Cu);
}

TEST(LinuxBoot, ZeroSetupSectsMeansFour) {
  FakeBzImage k(16384);
  k.set8(0x1F1, 0);
  k.set32(0x1F4, (16384 + 1024 - 2560) / 16);
  auto boot = LinuxBoot::fromImages(k.image(), std::nullopt, "");
  ASSERT_TRUE(boot) << boot.error().message;
  EXPECT_EQ(boot->header().setup_sects, 4);
}

TEST(LinuxBoot, MissingKernelFileIsNamed) {
  auto boot = LinuxBoot::open("/nonexistent/vmlinuz", "", "");
  ASSERT_FALSE(boot);
  EXPECT_EQ(boot.error().message, "kernel /nonexistent/vmlinuz: No such file or directory");
}

TEST(LinuxBoot, MissingInitrdFileIsNamed) {
  std::string path = ::testing::TempDir() + "/tandem-linuxboot-kernel";
  FakeBzImage k;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(k.bytes.data()),
                                               static_cast<std::streamsize>(k.bytes.size()));
  auto boot = LinuxBoot::open(path, "/nonexistent/initrd", "");
  std::remove(path.c_str());
  ASSERT_FALSE(boot);
  EXPECT_EQ(boot.error().message, "initrd /nonexistent/initrd: No such file or directory");
}

TEST(LinuxBoot, FileWithoutBootSignatureIsNotABzImage) {
  FakeBzImage k;
  k.set16(0x1FE, 0);
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: not a bzImage: no boot signature 0xAA55 at offset 0x1FE");
}

TEST(LinuxBoot, TinyFileIsNotABzImage) {
  auto boot = LinuxBoot::fromImages(ImageFile("kernel tiny", std::vector<uint8_t>(100)), std::nullopt, "");
  ASSERT_FALSE(boot);
  EXPECT_EQ(boot.error().message, "kernel tiny: not a bzImage: only 100 bytes");
}

TEST(LinuxBoot, FileWithoutHdrSIsNotABzImage) {
  FakeBzImage k;
  k.bytes[0x202] = 'X';
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: not a bzImage: no \"HdrS\" setup header at offset 0x202");
}

TEST(LinuxBoot, ProtocolOlderThan210IsRefused) {
  FakeBzImage k;
  k.set16(0x206, 0x0209);
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: boot protocol 2.09 is too old; 2.10 or later is needed");
}

TEST(LinuxBoot, ZImageIsRefused) {
  FakeBzImage k;
  k.set8(0x211, 0);
  EXPECT_NE(errorOf(k).find("a zImage (loaded below 1 MiB) is not supported"), std::string::npos);
}

TEST(LinuxBoot, FileCutInsideTheSetupCodeIsTruncated) {
  FakeBzImage k;
  k.set8(0x1F1, 20);
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: truncated: the setup code takes 21 sectors (10752 bytes) "
                        "but the file has 9216 bytes");
}

TEST(LinuxBoot, FileShorterThanSyssizeIsTruncated) {
  FakeBzImage k;
  k.bytes.resize(k.bytes.size() - 100);
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: truncated: the setup header says the protected-mode kernel "
                        "is 8192 bytes but the file holds 8092");
}

TEST(LinuxBoot, SetupHeaderEndingBeforeThe210FieldsIsTruncated) {
  FakeBzImage k;
  k.set8(0x201, 0x20);
  EXPECT_NE(errorOf(k).find("truncated setup header (ends at 0x222"), std::string::npos);
}

TEST(LinuxBoot, KernelAlignmentMustBeAPowerOfTwo) {
  FakeBzImage k;
  k.set32(0x230, 0x300000);
  EXPECT_EQ(errorOf(k), "kernel fake.bzImage: kernel_alignment 0x300000 is not a power of two");
}

TEST(LinuxBoot, CommandLineLongerThanCmdlineSizeIsRefused) {
  FakeBzImage k;
  k.set32(0x238, 10);
  EXPECT_EQ(errorOf(k, 64 * kMiB, "0123456789"), "(no error)");
  EXPECT_EQ(errorOf(k, 64 * kMiB, "0123456789a"),
            "kernel fake.bzImage: command line is 11 bytes; this kernel accepts at most 10");
}

TEST(LinuxBoot, EmptyInitrdIsRefused) {
  FakeBzImage k;
  EXPECT_EQ(errorOf(k, 64 * kMiB, "", initrdOf(0)), "initrd fake.cpio: empty file");
}

TEST(LinuxBoot, InitrdThatDoesNotFitAboveTheKernelIsRefused) {
  FakeBzImage k;
  // The kernel needs 16 MiB + 4 MiB, which leaves exactly 44 MiB in 64 MiB.
  EXPECT_EQ(errorOf(k, 64 * kMiB, "", initrdOf(45 * kMiB)),
            "initrd fake.cpio: 47185920 bytes (45.0 MiB) do not fit in guest RAM of 64.0 MiB between "
            "the kernel's end at 0x1400000 and 0x4000000");
  EXPECT_EQ(errorOf(k, 64 * kMiB, "", initrdOf(44 * kMiB)), "(no error)");
}

TEST(LinuxBoot, RamTooSmallForTheKernelIsRefused) {
  FakeBzImage k;
  EXPECT_EQ(errorOf(k, 16 * kMiB),
            "kernel fake.bzImage: guest RAM of 16.0 MiB is too small: the kernel is loaded at 0x1000000 "
            "and needs memory up to 0x1400000 (20.0 MiB)");
  EXPECT_EQ(errorOf(k, 512 * 1024), "kernel fake.bzImage: guest RAM of 0.5 MiB is too small: less than 1 MiB");
}

TEST(LinuxBoot, PlanDoesNotTouchMemoryAndMatchesLoad) {
  FakeBzImage k;
  auto boot = LinuxBoot::fromImages(k.image(), initrdOf(4096), "x");
  ASSERT_TRUE(boot);
  auto planned = boot->plan(64 * kMiB);
  ASSERT_TRUE(planned);
  PhysMemory mem(64 * kMiB);
  auto loaded = boot->load(mem);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(planned->initrd, loaded->initrd);
  EXPECT_EQ(planned->kernel, loaded->kernel);
  EXPECT_EQ(planned->entry.eip, loaded->entry.eip);
}

// The real default guest, when guest/fetch-default-guest.sh has fetched it.
TEST(LinuxBoot, LoadsDebiansKernelAndInitramfs) {
  auto guest = DefaultGuest::find();
  if (!guest) GTEST_SKIP() << guest.error().message;
  auto boot = LinuxBoot::open(guest->kernel, guest->initrd, "console=ttyS0 panic=-1 nokaslr");
  ASSERT_TRUE(boot) << boot.error().message;
  EXPECT_EQ(boot->kernelVersion().rfind(guest->kernel_version + " ", 0), 0u) << boot->kernelVersion();
  const LinuxSetupHeader& h = boot->header();
  EXPECT_GE(h.version, LinuxBoot::kMinProtocol);
  EXPECT_TRUE(h.relocatable_kernel);
  EXPECT_EQ(h.pref_address, 0x1000000u);  // CONFIG_PHYSICAL_START

  PhysMemory mem(128 * kMiB);
  auto l = boot->load(mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->kernel.value(), 0x1000000u);
  EXPECT_EQ(l->entry.eip, 0x1000000u);
  EXPECT_GE(l->initrd.value(), l->runtime.value() + l->runtime_size);
  EXPECT_EQ((l->initrd.value() + l->initrd_size + 4095) & ~uint64_t{4095}, 128 * kMiB);
  // A gzip'd initramfs starts with the gzip magic.
  EXPECT_EQ(mem.base()[l->initrd.value()], 0x1F);
  EXPECT_EQ(mem.base()[l->initrd.value() + 1], 0x8B);
  // boot_params' copy of the header still says "HdrS".
  EXPECT_EQ(0, std::memcmp(mem.base() + l->boot_params.value() + 0x202, "HdrS", 4));
  // The kernel was decompressed here: no decompressor runs in the guest.
  EXPECT_TRUE(l->decompressed_on_host);
  EXPECT_GT(l->kernel_size, 10 * kMiB);
  EXPECT_LE(l->kernel.value() + l->kernel_size, l->runtime.value() + l->runtime_size);
}

// ---- the kernel decompressed on the host ----

// An i386 ELF image with two loadable segments: code at 0x1000000 (entry
// 0x1000010) and data at 0x1002000 with a bss after its file bytes.
std::vector<uint8_t> fakeVmlinux() {
  test::ByteFields e;
  e.bytes.assign(0x3000, 0);
  std::memcpy(e.bytes.data(), "\x7F" "ELF\x01\x01\x01", 7);
  e.set16(18, 3);            // EM_386
  e.set32(24, 0x1000010);    // entry
  e.set32(28, 52);           // phoff
  e.set16(42, 32);
  e.set16(44, 2);
  const uint32_t seg[2][4] = {{0x1000, 0x1000000, 0x1000, 0x1000}, {0x2000, 0x1002000, 0x800, 0x3000}};
  for (int i = 0; i < 2; ++i) {
    size_t ph = 52 + 32 * i;
    e.set32(ph, 1);  // PT_LOAD
    e.set32(ph + 4, seg[i][0]);
    e.set32(ph + 8, seg[i][1] + 0xC0000000);
    e.set32(ph + 12, seg[i][1]);
    e.set32(ph + 16, seg[i][2]);
    e.set32(ph + 20, seg[i][3]);
    for (uint32_t k = 0; k < seg[i][2]; ++k) e.bytes[seg[i][0] + k] = static_cast<uint8_t>(k * 3 + i + 1);
  }
  return e.bytes;
}

std::vector<uint8_t> xz(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(in.size() + 1024);
  size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, in.data(), in.size(), out.data(),
                                    &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  // The kernel's build appends the uncompressed size.
  uint32_t size = static_cast<uint32_t>(in.size());
  out.insert(out.end(), reinterpret_cast<uint8_t*>(&size), reinterpret_cast<uint8_t*>(&size) + 4);
  return out;
}

std::vector<uint8_t> gzipped(const std::vector<uint8_t>& in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out(deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A bzImage whose protected-mode part is a small stub then `payload`,
// described by payload_offset and payload_length.
FakeBzImage withPayload(const std::vector<uint8_t>& payload) {
  uint32_t pm = (0x200 + static_cast<uint32_t>(payload.size()) + 15) & ~15u;
  FakeBzImage k(pm);
  std::copy(payload.begin(), payload.end(), k.bytes.begin() + 1024 + 0x200);
  k.set32(0x248, 0x200);
  k.set32(0x24C, static_cast<uint32_t>(payload.size()));
  return k;
}

TEST(LinuxBoot, HostDecompressedKernelSitsAtItsPhysicalAddressesAndIsEnteredAtItsEntry) {
  const std::vector<uint8_t> elf = fakeVmlinux();
  for (const auto& payload : {xz(elf), gzipped(elf)}) {
    PhysMemory mem(64 * kMiB);
    std::memset(mem.base() + 0x1002800, 0xEE, 0x100);  // where the bss goes
    auto l = loadFake(withPayload(payload), mem);
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_TRUE(l->decompressed_on_host);
    EXPECT_EQ(l->entry.eip, 0x1000010u);
    EXPECT_EQ(l->kernel.value(), 0x1000000u);
    EXPECT_EQ(l->kernel_size, 0x5000u);
    EXPECT_EQ(0, std::memcmp(mem.base() + 0x1000000, elf.data() + 0x1000, 0x1000));
    EXPECT_EQ(0, std::memcmp(mem.base() + 0x1002000, elf.data() + 0x2000, 0x800));
    EXPECT_EQ(mem.base()[0x1002800], 0);
    // The loader's own fields still point at the compressed kernel's entry.
    EXPECT_EQ(get32(mem.base() + l->boot_params.value() + 0x214), 0x1000000u);
  }
}

TEST(LinuxBoot, InGuestDecompressionLoadsTheCompressedKernel) {
  FakeBzImage k = withPayload(xz(fakeVmlinux()));
  auto boot = LinuxBoot::fromImages(k.image(), std::nullopt, "");
  ASSERT_TRUE(boot) << boot.error().message;
  PhysMemory mem(64 * kMiB);
  auto l = boot->load(mem, KernelDecompression::kInGuest);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->decompressed_on_host);
  EXPECT_EQ(l->entry.eip, 0x1000000u);
  EXPECT_EQ(0, std::memcmp(mem.base() + 0x1000000, k.bytes.data() + 1024, l->kernel_size));
}

TEST(LinuxBoot, PayloadInAnotherFormatIsLeftToTheGuestDecompressor) {
  std::vector<uint8_t> zstd = {0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4};
  PhysMemory mem(64 * kMiB);
  auto l = loadFake(withPayload(zstd), mem);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_FALSE(l->decompressed_on_host);
  EXPECT_EQ(l->entry.eip, 0x1000000u);
}

TEST(LinuxBoot, DamagedCompressedKernelIsNamed) {
  std::vector<uint8_t> payload = xz(fakeVmlinux());
  payload[payload.size() / 2] ^= 0xFF;
  EXPECT_NE(errorOf(withPayload(payload)).find("kernel fake.bzImage: the xz-compressed kernel is damaged"),
            std::string::npos)
      << errorOf(withPayload(payload));
  std::vector<uint8_t> cut = xz(fakeVmlinux());
  cut.resize(cut.size() - 20);
  EXPECT_NE(errorOf(withPayload(cut)).find("damaged or truncated"), std::string::npos);
}

TEST(LinuxBoot, DecompressedKernelOutsideItsInitSizeIsRefused) {
  FakeBzImage k = withPayload(xz(fakeVmlinux()));
  k.set32(0x260, 0x4000);  // init_size smaller than the segments' extent
  EXPECT_NE(errorOf(k).find("outside the 0x1000000..0x1004000"), std::string::npos) << errorOf(k);
}

TEST(LinuxBoot, PayloadOutsideTheFileIsNamed) {
  FakeBzImage k = withPayload(xz(fakeVmlinux()));
  k.set32(0x24C, 0x100000);
  EXPECT_NE(errorOf(k).find("lies outside the file"), std::string::npos) << errorOf(k);
}

}  // namespace
}  // namespace tandem
