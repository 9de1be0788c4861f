#include "tools/Args.h"

#include <gtest/gtest.h>

namespace tandem::cli {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"mem", true, "guest RAM"}, {"json", false, "print JSON"}, {"clock", true, "clock"}};

TEST(Args, ParsesValuesFlagsAndPositionals) {
  auto r = parseArgs({"--mem", "64M", "file.tandem", "--json", "--clock=host"}, kSpecs);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->get("mem"), "64M");
  EXPECT_EQ(r->get("clock"), "host");
  EXPECT_TRUE(r->has("json"));
  ASSERT_EQ(r->positional.size(), 1u);
  EXPECT_EQ(r->positional[0], "file.tandem");
}

TEST(Args, UnknownOptionIsNamedInTheError) {
  auto r = parseArgs({"--bogus"}, kSpecs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--bogus"), std::string::npos);
}

TEST(Args, MissingValueIsAnError) {
  auto r = parseArgs({"--mem"}, kSpecs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--mem"), std::string::npos);
}

TEST(Args, SizesAcceptSuffixes) {
  EXPECT_EQ(*parseSize("mem", "128M"), 128ull << 20);
  EXPECT_EQ(*parseSize("mem", "1G"), 1ull << 30);
  EXPECT_EQ(*parseSize("mem", "4096"), 4096u);
  EXPECT_EQ(*parseSize("mem", "64K"), 64ull << 10);
  EXPECT_FALSE(parseSize("mem", "12X").ok());
  EXPECT_FALSE(parseSize("mem", "M").ok());
  EXPECT_FALSE(parseSize("mem", "-5M").ok());
}

TEST(Args, DurationsAcceptUnits) {
  EXPECT_EQ(*parseDuration("lag", "2s"), 2000000000ull);
  EXPECT_EQ(*parseDuration("lag", "500ms"), 500000000ull);
  EXPECT_EQ(*parseDuration("since", "24h"), 24ull * 3600 * 1000000000ull);
  EXPECT_EQ(*parseDuration("since", "3"), 3000000000ull);
  EXPECT_FALSE(parseDuration("lag", "soon").ok());
}

}  // namespace
}  // namespace tandem::cli
