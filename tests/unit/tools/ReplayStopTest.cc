#include "tools/ReplayStop.h"

#include <gtest/gtest.h>

namespace tandem::cli {
namespace {

constexpr uint64_t kStart = 1000, kEnd = 5000;

uint64_t resolved(const std::string& to) {
  auto r = ReplayStop::resolve(to, kStart, kEnd);
  EXPECT_TRUE(r) << to << ": " << r.error().message;
  return r ? *r : 0;
}

TEST(ReplayStop, ToNamesTheCrashAnIcountOrAnOffsetFromEitherEnd) {
  EXPECT_EQ(resolved("crash"), kEnd);
  EXPECT_EQ(resolved("1234"), 1234u);
  EXPECT_EQ(resolved("0x3e8"), kStart);
  EXPECT_EQ(resolved("+0"), kStart);
  EXPECT_EQ(resolved("+4000"), kEnd);
  EXPECT_EQ(resolved("-0"), kEnd);
  EXPECT_EQ(resolved("-1500"), 3500u);
  EXPECT_EQ(resolved("+2500"), resolved("-1500"));
}

TEST(ReplayStop, AnIcountOutsideTheWindowIsAnErrorNamingTheWindow) {
  for (const char* to : {"999", "5001", "+4001", "-4001", "18446744073709551615"}) {
    auto r = ReplayStop::resolve(to, kStart, kEnd);
    ASSERT_FALSE(r) << to;
    EXPECT_NE(r.error().message.find("window is icount 1000 to 5000"), std::string::npos)
        << to << ": " << r.error().message;
  }
  for (const char* to : {"", "+", "-", "later", "+-5", "12x", "crash!"}) {
    auto r = ReplayStop::resolve(to, kStart, kEnd);
    ASSERT_FALSE(r) << to;
    EXPECT_NE(r.error().message.find("crash, ICOUNT, +N or -N"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace tandem::cli
