#include "replayer/ReplayDoor.h"

#include <gtest/gtest.h>

#include "replayer/BundleReplay.h"

namespace tandem {
namespace {

Event at(uint64_t icount, EventBody body) { return Event{Icount(icount), 0, std::move(body)}; }

TEST(ReplayDoor, AnswersEveryQuestionFromTheLogInOrder) {
  VectorSource log({at(0, ClockReadingEvent{ClockRead::kPoll, 10}),
                    at(0, SerialInputEvent{{'a', 'b'}}),
                    at(50, InterruptDeliveryEvent{0x20}),
                    at(80, ClockReadingEvent{ClockRead::kTsc, 95})});
  ReplayDoor door(log, nullptr, false, 1234);
  EXPECT_EQ(door.bootEpochSeconds(), 1234);
  EXPECT_EQ(door.clockNs(Icount(0), ClockRead::kPoll), 10u);
  uint8_t buf[16];
  ASSERT_EQ(door.serialInput(Icount(0), buf, sizeof buf), 2u);
  EXPECT_EQ(buf[0], 'a');
  EXPECT_EQ(door.serialInput(Icount(0), buf, sizeof buf), 0u);  // nothing more at this poll
  door.onInterrupt(Icount(50), 0, 0x20);
  EXPECT_EQ(door.clockNs(Icount(80), ClockRead::kTsc), 95u);
  EXPECT_FALSE(door.divergence());
  EXPECT_FALSE(door.ended());
  EXPECT_EQ(door.eventsReplayed(), 4u);
  EXPECT_EQ(door.icountAtNs(1000), std::nullopt);  // a host clock has no icount mapping
}

TEST(ReplayDoor, AQuestionAtAnotherIcountIsADivergenceNamingBoth) {
  VectorSource log({at(100, ClockReadingEvent{ClockRead::kTsc, 7})});
  ReplayDoor door(log, nullptr, false, 0);
  door.clockNs(Icount(99), ClockRead::kTsc);
  ASSERT_TRUE(door.divergence());
  EXPECT_EQ(door.divergence()->icount, 99u);
  EXPECT_NE(door.divergence()->what.find("clock read (tsc) = 7 ns at icount 100"), std::string::npos)
      << door.divergence()->what;
  EXPECT_NE(door.divergence()->what.find("clock read (tsc) at icount 99"), std::string::npos);
}

TEST(ReplayDoor, AnotherReasonOrInterruptVectorIsADivergence) {
  VectorSource a({at(5, ClockReadingEvent{ClockRead::kPit, 7})});
  ReplayDoor d1(a, nullptr, false, 0);
  d1.clockNs(Icount(5), ClockRead::kRtc);
  EXPECT_TRUE(d1.divergence());

  VectorSource b({at(5, InterruptDeliveryEvent{0x20})});
  ReplayDoor d2(b, nullptr, false, 0);
  d2.onInterrupt(Icount(5), 0, 0x21);
  ASSERT_TRUE(d2.divergence());
  EXPECT_NE(d2.divergence()->what.find("vector 33"), std::string::npos);
}

TEST(ReplayDoor, RunningPastTheLastEventEndsTheReplayWithoutDiverging) {
  VectorSource log({at(0, ClockReadingEvent{ClockRead::kPoll, 1})});
  ReplayDoor door(log, nullptr, false, 0);
  door.clockNs(Icount(0), ClockRead::kPoll);
  uint8_t buf[4];
  EXPECT_EQ(door.serialInput(Icount(0), buf, 4), 0u);
  EXPECT_FALSE(door.ended());  // looking for optional input does not end it
  door.clockNs(Icount(200000), ClockRead::kPoll);
  EXPECT_TRUE(door.ended());
  EXPECT_FALSE(door.divergence());
}

TEST(ReplayDoor, AVirtualClockRecordingMapsDeadlinesToIcountsFromTheLastReading) {
  // 1 ns per instruction plus 500 ns idled before icount 1000.
  VectorSource log({at(1000, ClockReadingEvent{ClockRead::kPoll, 1500})});
  ReplayDoor door(log, nullptr, true, 0);
  door.resume(Icount(0), 0);
  EXPECT_EQ(door.icountAtNs(700), 700u);
  EXPECT_EQ(door.clockNs(Icount(1000), ClockRead::kPoll), 1500u);
  EXPECT_EQ(door.icountAtNs(2000), 1500u);
}

TEST(ReplayDoor, InputLongerThanTheRoomTheGuestHasIsADivergence) {
  VectorSource log({at(0, SerialInputEvent{std::vector<uint8_t>(20, 'x')})});
  ReplayDoor door(log, nullptr, false, 0);
  uint8_t buf[16];
  EXPECT_EQ(door.serialInput(Icount(0), buf, sizeof buf), 0u);
  EXPECT_TRUE(door.divergence());
}

TEST(ReplayDoor, EventsAreDescribedForPeople) {
  EXPECT_EQ(describeEvent(Event{Icount(3), 0xc1000000, InterruptDeliveryEvent{0x20}}),
            "interrupt vector 32 taken at icount 3 eip c1000000");
  EXPECT_EQ(describeEvent(Event{Icount(4), 0x10, SerialInputEvent{{'a'}}}),
            "serial input of 1 bytes at icount 4 eip 00000010");
}

}  // namespace
}  // namespace tandem
