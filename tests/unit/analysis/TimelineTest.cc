#include "analysis/Timeline.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

Event clock(uint64_t icount, uint64_t ns, ClockRead why = ClockRead::kPoll) {
  return {Icount(icount), 0, ClockReadingEvent{why, ns}};
}
Event irq(uint64_t icount, uint8_t vector) { return {Icount(icount), 0, InterruptDeliveryEvent{vector}}; }
Event input(uint64_t icount, std::string text) {
  return {Icount(icount), 0, SerialInputEvent{std::vector<uint8_t>(text.begin(), text.end())}};
}

TEST(Timeline, EventsAfterAClockReadingAreOneNanosecondPerInstructionLater) {
  std::vector<Event> ev = {irq(400, 0x30), clock(1000, 50000), irq(1500, 0x30), clock(1600, 50300),
                           clock(2000, 52000), irq(2100, 0x30)};
  Timeline t = Timeline::build(ev, 2500, 1'000'000);
  EXPECT_TRUE(t.fromClock());
  EXPECT_EQ(t.failureNs(), 52500u);
  ASSERT_EQ(t.entries().size(), 6u);
  EXPECT_EQ(t.entries()[0].ns, 49400u);
  EXPECT_EQ(t.entries()[2].ns, 50300u);  // 50500, but never past the next reading
  EXPECT_EQ(t.entries()[5].ns, 52100u);
  EXPECT_EQ(t.entries()[0].what, "vector 0x30");
  EXPECT_EQ(t.entries()[1].what, "poll 0.000050000 s");
}

TEST(Timeline, WithoutClockReadingsTheIcountIsTheTime) {
  std::vector<Event> ev = {irq(100, 0x30), input(200, "ls\n"), irq(5000, 0x31)};
  Timeline t = Timeline::build(ev, 6000, 5850);
  EXPECT_FALSE(t.fromClock());
  EXPECT_EQ(t.failureNs(), 6000u);
  ASSERT_EQ(t.entries().size(), 2u);  // the first is more than 5850 ns before
  EXPECT_EQ(t.entries()[0].what, "'ls\\n'");
  // Only lanes with events in the window.
  ASSERT_EQ(t.lanes().size(), 2u);
  EXPECT_EQ(t.lanes()[0].name, "interrupt 0x31");
  EXPECT_EQ(t.lanes()[1].name, "serial input");
}

TEST(Timeline, LanesComeInAFixedOrderAndEventsAfterTheFailureAreLeftOut) {
  std::vector<Event> ev = {clock(10, 10, ClockRead::kTsc), input(20, "x"), irq(30, 0x34), irq(40, 0x30),
                           clock(50, 50, ClockRead::kPoll), irq(70, 0x30)};
  Timeline t = Timeline::build(ev, 60, 1000);
  std::vector<std::string> names;
  for (const TimelineLane& l : t.lanes()) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"interrupt 0x30", "interrupt 0x34", "serial input", "clock poll",
                                             "clock tsc"}));
  EXPECT_EQ(t.entries().size(), 5u);
  EXPECT_EQ(t.lanes()[0].count, 1u);
}

TEST(Timeline, ABusyLaneKeepsItsLatestEntriesAndCrowdsOutNoOther) {
  std::vector<Event> ev;
  for (uint64_t i = 0; i < 100; ++i) {
    ev.push_back(irq(i * 10, 0x30));
    for (uint64_t k = 0; k < 5; ++k) ev.push_back(clock(i * 10 + k, i * 10 + k, ClockRead::kTsc));
  }
  Timeline t = Timeline::build(ev, 1000, 1'000'000, 120);
  ASSERT_EQ(t.lanes().size(), 2u);
  EXPECT_EQ(t.lanes()[0].count, 100u);
  EXPECT_EQ(t.lanes()[0].shown, 100u);
  EXPECT_EQ(t.lanes()[1].count, 500u);
  EXPECT_EQ(t.lanes()[1].shown, 120u);
  EXPECT_EQ(t.dropped(), 380u);
  EXPECT_EQ(t.entries().front().icount, 0u);  // the first interrupt
  EXPECT_EQ(t.entries().size(), 220u);
}

TEST(Timeline, RunsOfOneLaneAreListedAsOne) {
  std::vector<Event> ev = {irq(1, 0x30), input(2, "a"), clock(3, 3, ClockRead::kTsc), clock(4, 4, ClockRead::kTsc),
                           clock(5, 5, ClockRead::kTsc), irq(6, 0x30), clock(7, 7, ClockRead::kTsc)};
  Timeline t = Timeline::build(ev, 10, 100);
  std::vector<TimelineRun> runs = t.latestRuns(3);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].first, 2u);
  EXPECT_EQ(runs[0].count(), 3u);
  EXPECT_EQ(runs[1].count(), 1u);
  EXPECT_EQ(runs[2].first, 6u);
  EXPECT_EQ(t.latestRuns(100).size(), 5u);
}

}  // namespace
}  // namespace tandem
