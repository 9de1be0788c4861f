#include "analysis/KernelSymbols.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

KernelSymbols sample() {
  return KernelSymbols({
      {0xC1000000, 'T', "_text"},
      {0xC1000000, 'T', "startup_32"},  // an alias: the first name wins
      {0xC1000000, 'T', "_stext"},
      {0xC1000100, 't', "helper"},
      {0xC1000200, 'T', "panic"},
      {0xC1000300, 'T', "_etext"},
      {0xC1400000, 'D', "init_task"},
      {0xC1400800, 'd', "counter"},
      {0xC1500000, 'B', "_end"},
  });
}

TEST(KernelSymbols, LookupGivesTheContainingSymbolLikeTheKernel) {
  KernelSymbols s = sample();
  auto hit = s.lookup(0xC1000234);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->symbol->name, "panic");
  EXPECT_EQ(hit->offset, 0x34u);
  EXPECT_EQ(hit->size, 0x100u);
  EXPECT_EQ(s.describe(0xC1000234), "panic+0x34/0x100");
  EXPECT_EQ(s.lookup(0xC1000010)->symbol->name, "_text");
  EXPECT_EQ(s.describe(0xC0001234), "0xc0001234");  // below the image
  EXPECT_FALSE(s.lookup(0xC2000000));                // past _end
}

TEST(KernelSymbols, NamesAndTextRanges) {
  KernelSymbols s = sample();
  EXPECT_EQ(s.address("panic"), 0xC1000200u);
  EXPECT_FALSE(s.address("nothing"));
  EXPECT_TRUE(s.isText(0xC1000200));
  EXPECT_FALSE(s.isText(0xC1000300));  // _etext is the first address after
  EXPECT_FALSE(s.isText(0xC1400000));
}

TEST(KernelSymbols, UnsortedInputIsSortedKeepingAliasOrder) {
  KernelSymbols s({{0xC1000200, 'T', "b"}, {0xC1000100, 'T', "a1"}, {0xC1000100, 'T', "a2"}});
  ASSERT_EQ(s.all().size(), 3u);
  EXPECT_EQ(s.all()[0].name, "a1");
  EXPECT_EQ(s.all()[1].name, "a2");
  EXPECT_EQ(s.lookup(0xC1000150)->symbol->name, "a1");
}

}  // namespace
}  // namespace tandem
