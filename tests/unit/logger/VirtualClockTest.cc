#include <gtest/gtest.h>

#include <string>

#include "logger/VirtualClock.h"

namespace tandem {
namespace {

TEST(VirtualClock, GuestTimeIsTheInstructionCountAtTheGivenRate) {
  VirtualClock one_ghz;
  EXPECT_EQ(one_ghz.clockNs(Icount(0), ClockRead::kPit), 0u);
  EXPECT_EQ(one_ghz.clockNs(Icount(123456789), ClockRead::kTsc), 123456789u);
  VirtualClock slow(2500);  // 400 MHz
  EXPECT_EQ(slow.clockNs(Icount(4), ClockRead::kPit), 10u);
  EXPECT_EQ(slow.clockNs(Icount(5), ClockRead::kPit), 12u);  // 12.5 ns, rounded down
  VirtualClock fast(250);                                    // 4 GHz
  EXPECT_EQ(fast.clockNs(Icount(1000), ClockRead::kPit), 250u);
}

TEST(VirtualClock, IdleWaitJumpsToTheDeadlineAndTimeGoesOnFromThere) {
  VirtualClock c;
  c.idleUntil(Icount(1000), 5000000);
  EXPECT_EQ(c.clockNs(Icount(1000), ClockRead::kIdle), 5000000u);
  EXPECT_EQ(c.clockNs(Icount(1010), ClockRead::kPit), 5000010u);
  c.idleUntil(Icount(1010), 100);  // a deadline in the past moves nothing
  EXPECT_EQ(c.clockNs(Icount(1010), ClockRead::kPit), 5000010u);
}

TEST(VirtualClock, IdleWithoutDeadlineOrWithPendingInputDoesNotMoveTime) {
  VirtualClock c;
  c.idleUntil(Icount(50), UINT64_MAX);
  EXPECT_EQ(c.clockNs(Icount(50), ClockRead::kIdle), 50u);
  uint8_t key = 'k';
  c.feedInput({&key, 1});
  c.idleUntil(Icount(50), 1000000);
  EXPECT_EQ(c.clockNs(Icount(50), ClockRead::kIdle), 50u);
}

TEST(VirtualClock, SerialInputIsOnlyWhatWasFedInOrder) {
  VirtualClock c;
  uint8_t buf[8];
  EXPECT_EQ(c.serialInput(Icount(1), buf, sizeof buf), 0u);
  std::string line = "uname -a\n";
  c.feedInput({reinterpret_cast<const uint8_t*>(line.data()), line.size()});
  std::string got;
  size_t n;
  while ((n = c.serialInput(Icount(2), buf, 4)) > 0) got.append(reinterpret_cast<char*>(buf), n);
  EXPECT_EQ(got, line);
  EXPECT_EQ(c.pendingInput(), 0u);
}

TEST(VirtualClock, BootDateIsAFixedConstantUnlessGiven) {
  EXPECT_EQ(VirtualClock().bootEpochSeconds(), VirtualClock::kDefaultBootEpoch);
  EXPECT_EQ(VirtualClock(1000, 42).bootEpochSeconds(), 42);
}

TEST(VirtualClock, FirstIcountAtADeadlineIsExact) {
  for (uint64_t ps : {1000ull, 2500ull, 333ull, 1ull}) {
    VirtualClock c(ps);
    c.idleUntil(Icount(7), 1000);
    for (uint64_t ns : {1000ull, 1001ull, 4001ull, 999999937ull}) {
      Icount n = c.firstIcountAt(ns);
      EXPECT_GE(c.clockNs(n, ClockRead::kPoll), ns) << ps << " " << ns;
      if (n.value() > 0) {
        EXPECT_LT(c.clockNs(n - 1, ClockRead::kPoll), ns) << ps << " " << ns;
      }
    }
    EXPECT_EQ(c.firstIcountAt(10).value(), 0u);
  }
}

TEST(VirtualClock, RestoredStateContinuesTheSameTimeline) {
  VirtualClock a;
  a.idleUntil(Icount(10), 777777);
  VirtualClock b;
  b.setState(a.state());
  for (uint64_t i : {10ull, 11ull, 99999ull})
    EXPECT_EQ(b.clockNs(Icount(i), ClockRead::kPoll), a.clockNs(Icount(i), ClockRead::kPoll));
}

}  // namespace
}  // namespace tandem
