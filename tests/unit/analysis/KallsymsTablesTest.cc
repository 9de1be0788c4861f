#include "analysis/KallsymsTables.h"

#include <gtest/gtest.h>

#include "tests/unit/analysis/KallsymsImage.h"

namespace tandem {
namespace {

using testing::KallsymsImage;

std::vector<KernelSymbol> manySymbols(size_t n) {
  std::vector<KernelSymbol> out;
  const char types[] = {'T', 't', 'D', 'd', 'B', 'R', 'W'};
  for (size_t i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "sym_%04zu_init", i);
    out.push_back(KernelSymbol{0xC1000000u + static_cast<uint32_t>(i / 2) * 16, types[i % 7], name});
  }
  out[0].name = "startup_32";
  out[5].name = "panic";
  return out;
}

void place(PhysMemory& mem, uint64_t at, const std::vector<uint8_t>& bytes) {
  ASSERT_TRUE(mem.write(GuestPhys(at), bytes.data(), bytes.size()));
}

TEST(KallsymsTables, FindsAndDecodesTablesByTheirStructure) {
  auto syms = manySymbols(700);  // three marker groups
  auto img = KallsymsImage::encode(syms, 0xC1000000u);
  PhysMemory mem(4u << 20);
  place(mem, 0x123400, img.bytes);
  auto t = KallsymsTables::find(mem);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->location().offsets, 0x123400u);
  EXPECT_EQ(t->location().token_table, 0x123400u + img.token_table);
  EXPECT_EQ(t->location().markers, 0x123400u + img.markers);
  EXPECT_EQ(t->location().count, 700u);
  EXPECT_EQ(t->location().base, 0xC1000000u);
  ASSERT_EQ(t->symbols().size(), syms.size());
  for (size_t i = 0; i < syms.size(); ++i) {
    EXPECT_EQ(t->symbols()[i].name, syms[i].name);
    EXPECT_EQ(t->symbols()[i].type, syms[i].type);
    EXPECT_EQ(t->symbols()[i].address, syms[i].address);
  }
}

TEST(KallsymsTables, DecodesTwoByteLengths) {
  auto syms = manySymbols(300);
  auto img = KallsymsImage::encode(syms, 0xC1000000u, /*long_lengths=*/true);
  PhysMemory mem(2u << 20);
  place(mem, 0x40000, img.bytes);
  auto t = KallsymsTables::find(mem);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->symbols()[299].name, syms[299].name);
}

TEST(KallsymsTables, SkipsLookalikeIndexesBeforeTheRealTables) {
  auto syms = manySymbols(40);
  auto img = KallsymsImage::encode(syms, 0xC1000000u);
  PhysMemory mem(2u << 20);
  // 256 increasing u16 starting at 0, preceded by bytes that are not tokens.
  std::vector<uint8_t> decoy(4096, 0xFF);
  for (int i = 0; i < 256; ++i) {
    decoy[2048 + 2 * i] = static_cast<uint8_t>(i * 3);
    decoy[2048 + 2 * i + 1] = static_cast<uint8_t>((i * 3) >> 8);
  }
  place(mem, 0x1000, decoy);
  place(mem, 0x80000, img.bytes);
  auto t = KallsymsTables::find(mem);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->location().offsets, 0x80000u);
}

TEST(KallsymsTables, CorruptTablesAreRejectedNotMisread) {
  auto syms = manySymbols(600);
  auto img = KallsymsImage::encode(syms, 0xC1000000u);
  struct Case {
    const char* what;
    uint32_t at;
    uint32_t value;
  } cases[] = {
      {"a marker", img.markers + 4, 12345},
      {"the symbol count", img.names - 4, 1000},
      {"an entry length", img.names, 0},
      {"offsets out of order", 4, 0},
      {"a token terminator", img.token_table + 1, 0x41414141},
  };
  for (const Case& c : cases) {
    auto bytes = img.bytes;
    if (c.at == 4) {  // swap the order of the first offsets
      uint32_t big = 0x100000;
      std::memcpy(&bytes[0], &big, 4);
    } else {
      std::memcpy(&bytes[c.at], &c.value, std::string_view(c.what) == "an entry length" ? 1 : 4);
    }
    PhysMemory mem(2u << 20);
    place(mem, 0x10000, bytes);
    auto t = KallsymsTables::find(mem);
    EXPECT_FALSE(t) << c.what;
  }
}

TEST(KallsymsTables, TablesRunningOffTheEndOfRamAreNotFound) {
  auto syms = manySymbols(100);
  auto img = KallsymsImage::encode(syms, 0xC1000000u);
  PhysMemory mem(1u << 20);
  // The token index is cut off by the end of RAM.
  std::vector<uint8_t> cut(img.bytes.begin(), img.bytes.end() - 100);
  place(mem, (1u << 20) - cut.size(), cut);
  EXPECT_FALSE(KallsymsTables::find(mem));
}

}  // namespace
}  // namespace tandem
