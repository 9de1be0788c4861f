#include "tools/HeadlessGuest.h"

#include <gtest/gtest.h>

namespace tandem::cli {
namespace {

GuestSpec hello() { return GuestSpec{std::string(TANDEM_BUILD_DIR) + "/guests/hello.elf", "", ""}; }

TEST(HeadlessGuest, RunsUntilTheConsoleShowsAText) {
  auto g = HeadlessGuest::boot(hello(), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  auto at = (*g)->runUntilOutput("hello from a tandem", 0, 100'000'000);
  ASSERT_TRUE(at) << at.error().message;
  EXPECT_EQ((*g)->console().substr(*at - 5, 5), "andem");
  // Found again only after the position given.
  auto pass = (*g)->runUntilOutput("PASS", *at, 100'000'000);
  ASSERT_TRUE(pass) << pass.error().message;
  auto again = (*g)->runUntilOutput("hello", *at, 100'000'000);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("stopped"), std::string::npos) << again.error().message;
}

TEST(HeadlessGuest, GivesUpAtTheIcountLimit) {
  auto g = HeadlessGuest::boot(hello(), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  auto at = (*g)->runUntilOutput("never printed", 0, 1000);
  ASSERT_FALSE(at);
  EXPECT_EQ(at.error().message, "the console did not show 'never printed' by icount 1000");
  EXPECT_EQ((*g)->machine().icount().value(), 1000u);
}

}  // namespace
}  // namespace tandem::cli
