#include <gtest/gtest.h>

#include "tools/RunClock.h"

namespace tandem::cli {
namespace {

TEST(RunClock, RestoredVirtualClockContinuesTheSameTimeline) {
  RunClock a(ClockMode::kVirtual, -1);
  a.idleUntil(Icount(1000), 7'000'000);  // skips idle time
  ClockSnapshot s = a.save(Icount(5000));
  EXPECT_EQ(s.guest_ns, 7'004'000u);
  RunClock b(ClockMode::kVirtual, -1);
  ASSERT_TRUE(b.restore(s, Icount(5000)));
  for (uint64_t at : {5000u, 6000u, 123456u})
    EXPECT_EQ(b.clockNs(Icount(at), ClockRead::kPoll), a.clockNs(Icount(at), ClockRead::kPoll));
  EXPECT_EQ(b.icountAtNs(9'000'000), a.icountAtNs(9'000'000));
}

TEST(RunClock, RestoredHostClockGoesOnFromTheSavedGuestTime) {
  ClockSnapshot s{ClockMode::kHost, 0, 3'600'000'000'000, {}};
  RunClock c(ClockMode::kHost, -1);
  ASSERT_TRUE(c.restore(s, Icount(42)));
  uint64_t t = c.clockNs(Icount(42), ClockRead::kPoll);
  EXPECT_GE(t, s.guest_ns);
  EXPECT_LT(t, s.guest_ns + 60'000'000'000);
  // An idle wait for a deadline already passed returns at once.
  c.idleUntil(Icount(42), s.guest_ns - 1);
}

TEST(RunClock, RestoreWithTheOtherClockIsRefused) {
  RunClock v(ClockMode::kVirtual, -1);
  RunClock h(ClockMode::kHost, -1);
  auto refused = h.restore(v.save(Icount(10)), Icount(10));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--clock virtual"), std::string::npos);
}

TEST(RunClock, VirtualStateThatDoesNotGiveTheSavedTimeIsRefused) {
  RunClock a(ClockMode::kVirtual, -1);
  ClockSnapshot s = a.save(Icount(100));
  s.guest_ns += 1;
  RunClock b(ClockMode::kVirtual, -1);
  EXPECT_FALSE(b.restore(s, Icount(100)));
}

}  // namespace
}  // namespace tandem::cli
