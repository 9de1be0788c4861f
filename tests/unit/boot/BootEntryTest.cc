#include "vmm/boot/BootEntry.h"

#include <gtest/gtest.h>

#include <cstring>

#include "vmm/boot/PcMemoryMap.h"

namespace tandem {
namespace {

TEST(BootEntry, GdtHasFlatCodeAt0x10AndFlatDataAt0x18) {
  PhysMemory mem(1 << 20);
  BootEntry e = BootEntry{}.withFlatGdt(mem, kBootGdtAddr);
  EXPECT_EQ(e.gdt_base, kBootGdtAddr.value());
  EXPECT_EQ(e.gdt_limit, 31u);
  uint64_t gdt[4];
  ASSERT_TRUE(mem.read(kBootGdtAddr, gdt, sizeof gdt));
  EXPECT_EQ(gdt[0], 0u);
  EXPECT_EQ(gdt[kBootCodeSelector / 8], 0x00CF9B000000FFFFull);
  EXPECT_EQ(gdt[kBootDataSelector / 8], 0x00CF93000000FFFFull);
}

TEST(BootEntry, EntersFlat32BitProtectedModeWithPagingAndInterruptsOff) {
  PhysMemory mem(1 << 20);
  BootEntry e;
  e.eip = 0x1000000;
  e.esi = 0x10000;
  e = e.withFlatGdt(mem, kBootGdtAddr);
  // A power-on state with stale values where the loader defines the state.
  CpuState power_on{};
  power_on.gpr[EBP] = 0x1234;
  power_on.gpr[EDI] = 0x5678;
  power_on.eflags = fl::kFixed1 | fl::IF;
  power_on.cr0 = 0x60000010;
  power_on.a20_mask = ~(1u << 20);
  power_on.idtr = TableRegister{0, 0x3FF};
  power_on.halted = 1;
  CpuState s = e.apply(power_on);

  EXPECT_EQ(s.eip, 0x1000000u);
  EXPECT_EQ(s.gpr[ESI], 0x10000u);
  EXPECT_EQ(s.gpr[EBP], 0u);
  EXPECT_EQ(s.gpr[EDI], 0u);
  EXPECT_EQ(s.gpr[EBX], 0u);
  EXPECT_EQ(s.eflags & fl::IF, 0u);
  EXPECT_EQ(s.cr0 & cr0::PE, cr0::PE);
  EXPECT_EQ(s.cr0 & (cr0::PG | cr0::CD | cr0::NW), 0u);
  EXPECT_EQ(s.a20_mask, 0xFFFFFFFFu);
  EXPECT_EQ(s.halted, 0u);
  EXPECT_EQ(s.gdtr.base, kBootGdtAddr.value());
  EXPECT_EQ(s.gdtr.limit, 31u);
  EXPECT_EQ(s.idtr.limit, 0x3FFu);  // left as at power-on

  EXPECT_EQ(s.seg[CS].selector, kBootCodeSelector);
  EXPECT_EQ(s.seg[CS].base, 0u);
  EXPECT_EQ(s.seg[CS].limit, 0xFFFFFFFFu);
  EXPECT_EQ(s.seg[CS].attr & seg_attr::kCode, seg_attr::kCode);
  EXPECT_TRUE(s.seg[CS].attr & seg_attr::DB);
  EXPECT_TRUE(s.seg[CS].attr & seg_attr::P);
  for (SegReg r : {DS, ES, SS, FS, GS}) {
    EXPECT_EQ(s.seg[r].selector, kBootDataSelector) << int(r);
    EXPECT_EQ(s.seg[r].base, 0u);
    EXPECT_EQ(s.seg[r].limit, 0xFFFFFFFFu);
    EXPECT_EQ(s.seg[r].attr & (seg_attr::kCode | seg_attr::kWritable), seg_attr::kWritable);
    EXPECT_TRUE(s.seg[r].attr & seg_attr::DB);
    EXPECT_TRUE(s.seg[r].valid);
  }
}

// The attribute bits in the segment caches are the descriptor bytes the
// GDT holds, so reloading a selector gives the same cache.
TEST(BootEntry, SegmentCachesMatchTheirGdtDescriptors) {
  PhysMemory mem(1 << 20);
  CpuState s = BootEntry{}.withFlatGdt(mem, kBootGdtAddr).apply(CpuState{});
  for (SegReg r : {CS, DS}) {
    uint64_t d;
    ASSERT_TRUE(mem.read(GuestPhys(s.gdtr.base + (s.seg[r].selector & ~7u)), &d, 8));
    uint16_t attr = static_cast<uint16_t>((d >> 40) & 0xF0FF);
    EXPECT_EQ(s.seg[r].attr, attr) << int(r);
  }
}

TEST(PcMemoryMap, ReservesTheHoleBelowOneMiB) {
  auto map = pcMemoryMap(128 << 20);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[0].base, 0u);
  EXPECT_EQ(map[0].length, kLowRamEnd);
  EXPECT_EQ(map[1].type, e820::kReserved);
  EXPECT_EQ(map[1].base + map[1].length, kHighRamStart);
  EXPECT_EQ(map[2].base, kHighRamStart);
  EXPECT_EQ(map[2].base + map[2].length, 128u << 20);
  EXPECT_EQ(pcMemoryMap(kHighRamStart).size(), 2u);
}

}  // namespace
}  // namespace tandem
