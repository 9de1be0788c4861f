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
  ReplayDoor door(log, nullptr, true, 1234);
  EXPECT_EQ(door.bootEpochSeconds(), 1234);
  EXPECT_EQ(door.clockNs(Icount(0), ClockRead::kPoll), 10u);
  uint8_t buf[16];
  ASSERT_EQ(door.serialInput(Icount(0), buf, sizeof buf), 2u);
  EXPECT_EQ(buf[0], 'a');
  EXPECT_EQ(door.serialInput(Icount(0), buf, sizeof buf), 0u);  // nothing more at this poll
  door.onInterrupt(Icount(50), 0, 0x20);
  EXPECT_EQ(door.clockNs(Icount(80), ClockRead::kTsc), 95u);
  // Not logged: computed, one nanosecond per instruction from the last reading.
  EXPECT_EQ(door.clockNs(Icount(90), ClockRead::kTsc), 105u);
  EXPECT_EQ(door.icountAtNs(1000), 985u);
  EXPECT_FALSE(door.divergence());
  EXPECT_FALSE(door.ended());
  EXPECT_EQ(door.eventsReplayed(), 4u);
}

TEST(ReplayDoor, AReadingLoggedForAnotherIcountOrReasonIsNotTakenEarly) {
  VectorSource log({at(100, ClockReadingEvent{ClockRead::kTsc, 700})});
  ReplayDoor door(log, nullptr, true, 0);
  door.resume(Icount(0), 50, 0);
  EXPECT_EQ(door.clockNs(Icount(99), ClockRead::kTsc), 149u);   // computed
  EXPECT_EQ(door.clockNs(Icount(100), ClockRead::kPit), 150u);  // another reason: computed
  EXPECT_EQ(door.clockNs(Icount(100), ClockRead::kTsc), 700u);  // the logged jump
  EXPECT_EQ(door.clockNs(Icount(101), ClockRead::kTsc), 701u);
  EXPECT_FALSE(door.divergence());
}

TEST(ReplayDoor, ReadingsBetweenLoggedOnesFollowTheRateLoggedWithTheLast) {
  // A host clock's meeting: 7,500 ps per instruction from icount 1000 on.
  VectorSource log({at(1000, ClockReadingEvent{ClockRead::kPoll, 2'000'000, 7500}),
                    at(5000, ClockReadingEvent{ClockRead::kPoll, 2'100'000, 0})});
  ReplayDoor door(log, nullptr, false, 0);
  EXPECT_EQ(door.clockNs(Icount(1000), ClockRead::kPoll), 2'000'000u);
  EXPECT_EQ(door.psPerInstruction(), 7500u);
  EXPECT_EQ(door.clockNs(Icount(1003), ClockRead::kTsc), 2'000'022u);  // 3 * 7.5 ns, rounded down
  EXPECT_EQ(door.guestNsAt(Icount(1400)), 2'003'000u);
  EXPECT_FALSE(door.icountAtNs(2'003'000));  // a host clock never maps deadlines to icounts
  // A reading logged without a rate goes back to one nanosecond each.
  EXPECT_EQ(door.clockNs(Icount(5000), ClockRead::kPoll), 2'100'000u);
  EXPECT_EQ(door.clockNs(Icount(5010), ClockRead::kTsc), 2'100'010u);
  // Resuming a snapshot from its clock's anchor gives the same readings.
  VectorSource none({});
  ReplayDoor again(none, nullptr, false, 0);
  again.resume(Icount(1000), 2'000'000, 7500);
  EXPECT_EQ(again.clockNs(Icount(1003), ClockRead::kTsc), 2'000'022u);
  EXPECT_FALSE(door.divergence());
}

TEST(ReplayDoor, ALoggedReadingAskedFromAnotherInstructionIsADivergence) {
  VectorSource log({Event{Icount(100), 0xc0001000, ClockReadingEvent{ClockRead::kTsc, 7}}});
  ReplayDoor door(log, nullptr, true, 0);
  door.clockNs(Icount(100), ClockRead::kTsc);  // no machine: eip 0
  ASSERT_TRUE(door.divergence());
  EXPECT_EQ(door.divergence()->icount, 100u);
  EXPECT_NE(door.divergence()->what.find("clock read (tsc) = 7 ns at icount 100 eip c0001000"),
            std::string::npos)
      << door.divergence()->what;
}

TEST(ReplayDoor, AnotherInterruptVectorIsADivergenceNamingBoth) {
  VectorSource b({at(5, InterruptDeliveryEvent{0x20})});
  ReplayDoor d2(b, nullptr, true, 0);
  d2.onInterrupt(Icount(5), 0, 0x21);
  ASSERT_TRUE(d2.divergence());
  EXPECT_NE(d2.divergence()->what.find("expected interrupt vector 32"), std::string::npos);
  EXPECT_NE(d2.divergence()->what.find("vector 33"), std::string::npos);
}

TEST(ReplayDoor, AnInterruptAfterTheLastEventEndsTheReplayWithoutDiverging) {
  VectorSource log({at(0, ClockReadingEvent{ClockRead::kPoll, 1})});
  ReplayDoor door(log, nullptr, true, 0);
  door.clockNs(Icount(0), ClockRead::kPoll);
  uint8_t buf[4];
  EXPECT_EQ(door.serialInput(Icount(0), buf, 4), 0u);
  door.clockNs(Icount(200000), ClockRead::kPoll);
  EXPECT_FALSE(door.ended());  // readings past the log are computed
  door.onInterrupt(Icount(300000), 0, 0x20);
  EXPECT_TRUE(door.ended());
  EXPECT_FALSE(door.divergence());
}

TEST(ReplayDoor, AnIdleWaitTakesTheJumpLoggedForIt) {
  VectorSource log({at(1000, ClockReadingEvent{ClockRead::kIdle, 5000})});
  ReplayDoor door(log, nullptr, true, 0);
  door.resume(Icount(0), 0, 0);
  EXPECT_EQ(door.clockNs(Icount(1000), ClockRead::kPoll), 1000u);
  door.idleUntil(Icount(1000), 5000);
  EXPECT_EQ(door.clockNs(Icount(1000), ClockRead::kPoll), 5000u);
  EXPECT_EQ(door.eventsReplayed(), 1u);
}

TEST(ReplayDoor, AVirtualClockRecordingMapsDeadlinesToIcountsFromTheLastReading) {
  // 1 ns per instruction plus 500 ns idled before icount 1000.
  VectorSource log({at(1000, ClockReadingEvent{ClockRead::kPoll, 1500})});
  ReplayDoor door(log, nullptr, true, 0);
  door.resume(Icount(0), 0, 0);
  EXPECT_EQ(door.icountAtNs(700), 700u);
  EXPECT_EQ(door.clockNs(Icount(1000), ClockRead::kPoll), 1500u);
  EXPECT_EQ(door.icountAtNs(2000), 1500u);
}

TEST(ReplayDoor, InputLongerThanTheRoomTheGuestHasIsADivergence) {
  VectorSource log({at(0, SerialInputEvent{std::vector<uint8_t>(20, 'x')})});
  ReplayDoor door(log, nullptr, true, 0);
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

TEST(ReplayDoor, GoneLiveItAnswersFromItsClockWithoutInputOrChecks) {
  VectorSource log({at(100, ClockReadingEvent{ClockRead::kTsc, 700}),
                    at(150, SerialInputEvent{{'x'}}), at(200, InterruptDeliveryEvent{0x20})});
  ReplayDoor door(log, nullptr, false, 0);
  door.resume(Icount(0), 50, 0);
  ReplayDoor::Position replaying = door.position();
  door.goLive();
  EXPECT_TRUE(door.live());
  // One nanosecond per instruction from where the replay stood; the
  // logged reading is not taken.
  EXPECT_EQ(door.clockNs(Icount(100), ClockRead::kTsc), 150u);
  EXPECT_EQ(door.icountAtNs(250), 200u);  // a virtual clock, though the recording's was not
  uint8_t buf[4];
  EXPECT_EQ(door.serialInput(Icount(150), buf, sizeof buf), 0u);
  EXPECT_FALSE(door.inputPossible());
  door.onInterrupt(Icount(120), 0, 0x21);  // not the recorded one: not checked
  door.idleUntil(Icount(130), 1000);       // skips to the deadline
  EXPECT_EQ(door.clockNs(Icount(140), ClockRead::kPoll), 1010u);
  EXPECT_FALSE(door.divergence());
  EXPECT_EQ(door.eventsReplayed(), 0u);
  // Checkpoints keep which side of going live they were taken on.
  ReplayDoor::Position live = door.position();
  door.setPosition(replaying);
  EXPECT_FALSE(door.live());
  EXPECT_EQ(door.clockNs(Icount(100), ClockRead::kTsc), 700u);
  door.setPosition(live);
  EXPECT_TRUE(door.live());
}

}  // namespace
}  // namespace tandem
