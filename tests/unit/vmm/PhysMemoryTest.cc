#include "vmm/PhysMemory.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tandem {
namespace {

TEST(PhysMemory, RoundsSizeUpToWholePages) {
  PhysMemory m(5000);
  EXPECT_EQ(m.size(), 8192u);
}

TEST(PhysMemory, AccessOutsideRamIsRefusedAndCopiesNothing) {
  PhysMemory m(8192);
  uint8_t buf[16] = {};
  EXPECT_FALSE(m.read(GuestPhys(8190), buf, 4));
  EXPECT_FALSE(m.write(GuestPhys(~0ull - 2), buf, 4));
  EXPECT_FALSE(m.read(GuestPhys(8193), buf, 0));
  EXPECT_TRUE(m.read(GuestPhys(8188), buf, 4));
  EXPECT_EQ(m.pagePointer(GuestPhys(8192)), nullptr);
}

TEST(PhysMemory, WritesMarkPagesDirty) {
  PhysMemory m(4 * 4096);
  m.clearDirty();
  uint8_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(m.write(GuestPhys(4096 - 4), v, 8));
  EXPECT_TRUE(m.isDirty(0));
  EXPECT_TRUE(m.isDirty(1));
  EXPECT_FALSE(m.isDirty(2));
  uint8_t back[8];
  ASSERT_TRUE(m.read(GuestPhys(4096 - 4), back, 8));
  EXPECT_EQ(0, memcmp(v, back, 8));
}

}  // namespace
}  // namespace tandem
