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

GuestSpec testGuest(const char* name) {
  return GuestSpec{std::string(TANDEM_BUILD_DIR) + "/guests/" + name + ".elf", "", ""};
}

TEST(HeadlessGuest, RunUntilFailureStopsAtATripleFault) {
  auto g = HeadlessGuest::boot(testGuest("triple_fault"), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  FailureRun run = (*g)->runUntilFailure(100'000'000);
  EXPECT_EQ(run.exit, MachineExit::kTripleFault);
  ASSERT_TRUE(run.failure);
  EXPECT_EQ(run.failure->kind, pb::TRIPLE_FAULT);
  EXPECT_NE((*g)->console().find("triple fault next"), std::string::npos);
}

TEST(HeadlessGuest, APowerOffOrTheLimitIsNoFailure) {
  auto g = HeadlessGuest::boot(hello(), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  FailureRun early = (*g)->runUntilFailure(1000);
  EXPECT_EQ(early.exit, MachineExit::kLimit);
  EXPECT_FALSE(early.failure);
  FailureRun end = (*g)->runUntilFailure(100'000'000);
  EXPECT_NE(end.exit, MachineExit::kLimit);
  EXPECT_FALSE(end.failure);
  EXPECT_NE((*g)->console().find("PASS"), std::string::npos);
}

TEST(HeadlessGuest, KeepsTheInterruptsAndClockReadingsAsEvents) {
  auto g = HeadlessGuest::boot(testGuest("pit"), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  (*g)->runUntilFailure(50'000'000);
  size_t deliveries = 0, clock = 0;
  for (const Event& e : (*g)->events().events()) {
    deliveries += std::holds_alternative<InterruptDeliveryEvent>(e.body);
    clock += std::holds_alternative<ClockReadingEvent>(e.body);
  }
  EXPECT_GT(deliveries, 10u);
  EXPECT_GT(clock, deliveries);
}

TEST(HeadlessGuest, RestoreGoesBackToTheSavedStateAndRunsOnAsBefore) {
  auto g = HeadlessGuest::boot(testGuest("pit"), 16u << 20);
  ASSERT_TRUE(g) << g.error().message;
  // The guest idles most of the time: its whole run is a few hundred
  // thousand instructions.
  (*g)->runUntilExit(20'000);
  uint64_t saved_icount = (*g)->machine().icount().value();
  auto saved = (*g)->save();
  ASSERT_TRUE(saved) << saved.error().message;
  std::string console = (*g)->console();
  size_t events = (*g)->events().events().size();
  MachineExit first = (*g)->runUntilExit(100'000'000);
  std::string end_console = (*g)->console();
  uint64_t end_icount = (*g)->machine().icount().value();
  ASSERT_NE(end_console, console);
  ASSERT_TRUE((*g)->restore(*saved));
  EXPECT_EQ((*g)->console(), console);
  EXPECT_EQ((*g)->events().events().size(), events);
  EXPECT_EQ((*g)->machine().icount().value(), saved_icount);
  EXPECT_EQ((*g)->runUntilExit(100'000'000), first);
  EXPECT_EQ((*g)->console(), end_console);
  EXPECT_EQ((*g)->machine().icount().value(), end_icount);
}

}  // namespace
}  // namespace tandem::cli
