#include "analysis/GuestView.h"

#include <gtest/gtest.h>

#include "tests/unit/analysis/CraftedMemory.h"

namespace tandem {
namespace {

using testing::CraftedMemory;

TEST(GuestView, DirectMapWithLargePagesReadsKernelMemory) {
  CraftedMemory m;
  uint32_t obj = m.alloc(16);
  m.put32(obj, 0x12345678);
  GuestView v = m.kernel();
  EXPECT_EQ(v.u32(obj), 0x12345678u);
  EXPECT_EQ(v.translate(obj), uint64_t{obj - CraftedMemory::kPageOffset});
  EXPECT_FALSE(v.u32(0x08048000));  // no user mapping in this directory
}

TEST(GuestView, ReadSpanningTwoSmallPagesFollowsEachMapping) {
  CraftedMemory m;
  uint32_t a = m.allocPage(), b = m.allocPage();
  m.mapUserPage(CraftedMemory::kPageDirectory, 0x08048000, b, false);
  m.mapUserPage(CraftedMemory::kPageDirectory, 0x08049000, a, true);
  uint8_t tail[2] = {'x', 'y'}, head[2] = {'z', 0};
  ASSERT_TRUE(m.mem.write(GuestPhys(b + 4094), tail, 2));
  ASSERT_TRUE(m.mem.write(GuestPhys(a), head, 2));
  GuestView v = m.kernel();
  EXPECT_EQ(v.cstring(0x08048FFE, 15), "xyz");
  auto map = v.mapping(0x08049010);
  ASSERT_TRUE(map);
  EXPECT_TRUE(map->user);
  EXPECT_TRUE(map->writable);
  EXPECT_FALSE(v.mapping(0x08048000)->writable);
  // The next page is not mapped: a read running into it fails whole.
  uint8_t buf[8];
  EXPECT_FALSE(v.read(0x08049FFC, buf, 8));
}

TEST(GuestView, MappingsOutsideRamAreNeverRead) {
  CraftedMemory m(8u << 20);
  // A page table entry pointing past the end of RAM, and a directory entry
  // whose page table lies past the end of RAM.
  m.mapUserPage(CraftedMemory::kPageDirectory, 0x10000000, 0x7FFFF000, true);
  m.setPde(CraftedMemory::kPageDirectory, 0x20000000 >> 22, 0x90000000 | 7);
  GuestView v = m.kernel();
  EXPECT_TRUE(v.mapping(0x10000000));
  EXPECT_FALSE(v.translate(0x10000000));
  EXPECT_FALSE(v.u32(0x10000000));
  EXPECT_FALSE(v.mapping(0x20000000));
  // A page directory that is not in RAM at all.
  GuestView wild(m.mem, 0xFFFFF000);
  EXPECT_FALSE(wild.u32(CraftedMemory::kPageOffset));
  int count = 0;
  wild.forEachMapping(0, uint64_t{1} << 32, [&](const PageMapping&) { return ++count, true; });
  EXPECT_EQ(count, 0);
}

TEST(GuestView, StringsMustEndWithinTheLimit) {
  CraftedMemory m;
  uint32_t s = m.alloc(64);
  m.putString(s, "swapper/0");
  GuestView v = m.kernel();
  EXPECT_EQ(v.cstring(s, 15), "swapper/0");
  EXPECT_EQ(v.cstring(s, 9), "swapper/0");  // the NUL right after the limit counts
  EXPECT_FALSE(v.cstring(s, 8));
  EXPECT_FALSE(v.cstring(0xFFFFFFF0u, 64));  // would wrap around the address space
}

TEST(GuestView, ForEachMappingVisitsPresentPagesInOrder) {
  CraftedMemory m(8u << 20);
  uint32_t dir = m.allocPage();
  m.mapUserPage(dir, 0x0804A000, m.allocPage(), true);
  m.mapUserPage(dir, 0x08048000, m.allocPage(), false);
  m.mapUserPage(dir, 0xBFFFF000, m.allocPage(), true);
  GuestView v = m.kernel().withCr3(dir);
  std::vector<uint32_t> seen;
  v.forEachMapping(0, uint64_t{1} << 32, [&](const PageMapping& p) {
    seen.push_back(p.virt);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<uint32_t>{0x08048000, 0x0804A000, 0xBFFFF000}));
}

TEST(GuestView, PaeStateIsRefused) {
  CraftedMemory m;
  CpuState cpu{};
  cpu.cr0 = cr0::PG | cr0::PE;
  cpu.cr4 = cr4::PAE;
  EXPECT_FALSE(GuestView::fromCpu(m.mem, cpu));
  cpu.cr4 = cr4::PSE;
  cpu.cr3 = CraftedMemory::kPageDirectory;
  auto v = GuestView::fromCpu(m.mem, cpu);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->translate(CraftedMemory::kPageOffset));
}

}  // namespace
}  // namespace tandem
