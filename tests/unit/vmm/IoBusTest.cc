#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "vmm/IoBus.h"

namespace tandem {
namespace {

struct Access {
  uint64_t offset;
  unsigned size;
  uint32_t value;
};

// A device that remembers what it was given and answers reads from a
// pattern derived from the offset, so tests can tell who answered.
struct Recorder {
  explicit Recorder(uint32_t t = 0) : tag(t) {}
  std::vector<Access> reads, writes;
  uint32_t tag;

  IoBus::ReadFn reader() {
    return [this](uint64_t off, unsigned size) {
      reads.push_back({off, size, 0});
      return tag + static_cast<uint32_t>(off) * 0x01010101u;
    };
  }
  IoBus::WriteFn writer() {
    return [this](uint64_t off, unsigned size, uint32_t v) { writes.push_back({off, size, v}); };
  }
};

TEST(IoBus, HandlerSeesOffsetWithinItsRangeAndAccessSize) {
  IoBus bus("port", 0x10000);
  Recorder dev(0x10);
  ASSERT_TRUE(bus.map("dev", 0x3F8, 8, dev.reader(), dev.writer()).ok());
  bus.write(0x3FB, 1, 0x83);
  bus.write(0x3FC, 2, 0x1234);
  ASSERT_EQ(dev.writes.size(), 2u);
  EXPECT_EQ(dev.writes[0].offset, 3u);
  EXPECT_EQ(dev.writes[0].size, 1u);
  EXPECT_EQ(dev.writes[0].value, 0x83u);
  EXPECT_EQ(dev.writes[1].offset, 4u);
  EXPECT_EQ(dev.writes[1].size, 2u);
  EXPECT_EQ(dev.writes[1].value, 0x1234u);
  EXPECT_EQ(bus.read(0x3F9, 1), 0x11u);
  EXPECT_EQ(dev.reads.back().offset, 1u);
}

TEST(IoBus, OverlappingRangeIsRefusedWithAMessageNamingBothDevices) {
  IoBus bus("port", 0x10000);
  Recorder a(0), b(0);
  ASSERT_TRUE(bus.map("pic", 0x20, 2, a.reader(), a.writer()).ok());
  Status s = bus.map("intruder", 0x1F, 2, b.reader(), b.writer());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("intruder"), std::string::npos);
  EXPECT_NE(s.error().message.find("pic"), std::string::npos);
  EXPECT_FALSE(bus.map("inside", 0x21, 1, b.reader(), b.writer()).ok());
  EXPECT_FALSE(bus.map("covering", 0x10, 0x20, b.reader(), b.writer()).ok());
  // Adjacent ranges on both sides are fine.
  EXPECT_TRUE(bus.map("below", 0x1E, 2, b.reader(), b.writer()).ok());
  EXPECT_TRUE(bus.map("above", 0x22, 2, b.reader(), b.writer()).ok());
  EXPECT_EQ(bus.deviceAt(0x21), "pic");
  EXPECT_EQ(bus.deviceAt(0x23), "above");
}

TEST(IoBus, EmptyOrOutOfSpaceRangeIsRefused) {
  IoBus bus("port", 0x10000);
  Recorder a(0);
  EXPECT_FALSE(bus.map("empty", 0x80, 0, a.reader(), a.writer()).ok());
  EXPECT_FALSE(bus.map("past", 0xFFFF, 2, a.reader(), a.writer()).ok());
  EXPECT_FALSE(bus.map("wrap", 0x10, ~uint64_t{0}, a.reader(), a.writer()).ok());
  EXPECT_TRUE(bus.map("last", 0xFFFF, 1, a.reader(), a.writer()).ok());
}

TEST(IoBus, UnmappedReadsAllOnesOfTheAccessSizeAndWritesAreIgnored) {
  IoBus bus("mmio", uint64_t{1} << 32);
  Recorder dev(0);
  ASSERT_TRUE(bus.map("dev", 0xFEE00000, 0x1000, dev.reader(), dev.writer()).ok());
  for (int i = 0; i < 2; i++) {
    EXPECT_EQ(bus.read(0x1000, 1), 0xFFu);
    EXPECT_EQ(bus.read(0x1000, 2), 0xFFFFu);
    EXPECT_EQ(bus.read(0x1000, 4), 0xFFFFFFFFu);
    bus.write(0x1000, 4, 0);
  }
  EXPECT_TRUE(dev.reads.empty());
  EXPECT_TRUE(dev.writes.empty());
}

TEST(IoBus, AccessCrossingTheEndOfARangeIsSplitIntoBytes) {
  IoBus bus("port", 0x10000);
  Recorder dev(0x40);
  ASSERT_TRUE(bus.map("dev", 0x60, 1, dev.reader(), dev.writer()).ok());
  // Byte 0 from the device, bytes 1-3 unmapped.
  EXPECT_EQ(bus.read(0x60, 4), 0xFFFFFF40u);
  bus.write(0x5F, 2, 0xABCD);
  ASSERT_EQ(dev.writes.size(), 1u);
  EXPECT_EQ(dev.writes[0].offset, 0u);
  EXPECT_EQ(dev.writes[0].size, 1u);
  EXPECT_EQ(dev.writes[0].value, 0xABu);
}

TEST(IoBus, ByteWideRangeReceivesWiderAccessesAsSuccessiveBytes) {
  IoBus bus("port", 0x10000);
  Recorder dev(0x20);
  ASSERT_TRUE(bus.map("uart", 0x3F8, 8, dev.reader(), dev.writer(), IoBus::Width::kBytes).ok());
  EXPECT_EQ(bus.read(0x3F8, 2), 0x2120u);
  bus.write(0x3FA, 4, 0x44332211);
  ASSERT_EQ(dev.writes.size(), 4u);
  for (unsigned i = 0; i < 4; i++) {
    EXPECT_EQ(dev.writes[i].offset, 2u + i);
    EXPECT_EQ(dev.writes[i].size, 1u);
    EXPECT_EQ(dev.writes[i].value, 0x11u * (i + 1));
  }
}

TEST(IoBus, FirstUseOfEachUnmappedAddressIsLoggedOnceAtDebugLevel) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // A fresh process, so the log configuration is read from this environment.
  EXPECT_EXIT(
      {
        setenv("TANDEM_LOG", "bus=debug", 1);
        IoBus bus("port", 0x10000);
        bus.read(0x80, 1);
        bus.read(0x80, 1);
        bus.write(0x81, 1, 0);
        std::exit(0);
      },
      testing::ExitedWithCode(0),
      "^tandem\\[bus\\] debug: read port 0x80 is unmapped[^\n]*\n"
      "tandem\\[bus\\] debug: write port 0x81 is unmapped[^\n]*\n$");
}

}  // namespace
}  // namespace tandem
