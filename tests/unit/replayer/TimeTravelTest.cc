#include "replayer/TimeTravel.h"

#include <gtest/gtest.h>

#include "tests/unit/replayer/ScribblerMachine.h"

namespace tandem::test {
namespace {

bool never() { return false; }

TimeTravelOptions smallSteps(uint64_t budget = 64ull << 20) {
  TimeTravelOptions o;
  o.budget_bytes = budget;
  o.interval = 50'000;
  o.near = 10'000;
  o.slice = 20'000;
  return o;
}

class TimeTravelTest : public ::testing::Test {
 protected:
  uint64_t icount() { return m.machine->icount().value(); }
  uint32_t eip() { return m.machine->cpu().st.eip; }

  ScribblerMachine m;
  ScribblerReference ref;
  TimeTravel tt{*m.machine, m.clock_state, &m.history, smallSteps()};
};

TEST_F(TimeTravelTest, SeekLandsOnTheExactIcountAStraightRunReaches) {
  ASSERT_EQ(tt.run(600'000), MachineExit::kLimit);
  EXPECT_GT(tt.checkpoints().size(), 10u);
  for (uint64_t at : {123'457, 599'999, 1, 0, 350'000, 700'000, 50'000, 50'000}) {
    ASSERT_EQ(tt.seek(at, never), MachineExit::kLimit);
    EXPECT_EQ(icount(), at);
    EXPECT_EQ(m.digest(), ref.digestAt(at)) << "at " << at;
  }
  EXPECT_EQ(tt.frontier(), 700'000u);
}

TEST_F(TimeTravelTest, NewHistoryKeepsRegularCheckpointsAndOneCloseBehindItsEnd) {
  ASSERT_EQ(tt.run(333'333), MachineExit::kLimit);
  std::vector<uint64_t> at;
  for (auto k = tt.checkpoints().atOrBefore(0); k; k = tt.checkpoints().after(*k)) at.push_back(*k);
  ASSERT_GE(at.size(), 3u);
  for (size_t k = 1; k + 1 < at.size(); ++k) EXPECT_GE(at[k] - at[k - 1], 50'000u);
  EXPECT_LE(tt.now() - at.back(), 10'000u);
  EXPECT_EQ(at.size(), 333'333 / 50'000 + 2);
}

TEST_F(TimeTravelTest, SteppingBackMovesOneInstructionAtATime) {
  ASSERT_EQ(tt.run(300'000), MachineExit::kLimit);
  for (uint64_t at = 299'999; at >= 299'990; --at) {
    ASSERT_EQ(tt.seek(tt.now() - 1, never), MachineExit::kLimit);
    EXPECT_EQ(icount(), at);
    EXPECT_EQ(m.digest(), ref.digestAt(at));
  }
  // The first step back left a checkpoint close behind.
  EXPECT_GE(*tt.checkpoints().atOrBefore(299'990), 299'999u - 10'000);
}

TEST_F(TimeTravelTest, ReverseContinueStopsAtTheLastBreakpointHitsInTurn) {
  // Where a forward run stops at kMarker.
  std::vector<uint64_t> hits;
  {
    ScribblerMachine fwd;
    fwd.machine->cpu().setBreakpoints({ScribblerMachine::kMarker});
    while (fwd.machine->run(200'000) == MachineExit::kDebug) hits.push_back(fwd.machine->icount().value());
  }
  ASSERT_GT(hits.size(), 50u);
  ASSERT_EQ(tt.run(200'000), MachineExit::kLimit);
  tt.setBreakpoints({ScribblerMachine::kMarker});
  for (size_t k = hits.size(); k-- > hits.size() - 30;) {
    ReverseStop r = tt.reverseContinue(never);
    ASSERT_EQ(r.kind, ReverseStop::Kind::kDebug);
    EXPECT_TRUE(r.debug.breakpoint);
    EXPECT_EQ(icount(), hits[k]);
    EXPECT_EQ(eip(), ScribblerMachine::kMarker);
  }
  // Forward again from there: the next hit.
  size_t k = hits.size() - 30;
  EXPECT_EQ(tt.run(UINT64_MAX), MachineExit::kDebug);
  EXPECT_EQ(icount(), hits[k + 1]);
}

TEST_F(TimeTravelTest, ReverseContinueSearchesEarlierStretchesBetweenCheckpoints) {
  constexpr uint32_t kSecondInstruction = 0x10005;  // runs once, at icount 1
  ASSERT_EQ(tt.run(500'000), MachineExit::kLimit);
  tt.setBreakpoints({kSecondInstruction});
  ReverseStop r = tt.reverseContinue(never);
  ASSERT_EQ(r.kind, ReverseStop::Kind::kDebug);
  EXPECT_EQ(icount(), 1u);
  EXPECT_EQ(eip(), kSecondInstruction);
  EXPECT_EQ(tt.reverseContinue(never).kind, ReverseStop::Kind::kHistoryBegin);
  EXPECT_EQ(icount(), 0u);
}

TEST_F(TimeTravelTest, ReverseContinueWithNothingEarlierGoesToTheStartOfHistory) {
  ASSERT_EQ(tt.run(120'000), MachineExit::kLimit);
  tt.setBreakpoints({0x30000});
  EXPECT_EQ(tt.reverseContinue(never).kind, ReverseStop::Kind::kHistoryBegin);
  EXPECT_EQ(icount(), 0u);
  EXPECT_EQ(m.digest(), ref.digestAt(0));
}

TEST_F(TimeTravelTest, ReverseWatchStopsBeforeTheStoreWithTheOldValueInPlace) {
  ASSERT_EQ(tt.run(100'000), MachineExit::kLimit);
  uint32_t latest = m.counter();
  tt.setWatches({DataWatch{ScribblerMachine::kCounter, 4, kWatchWrite, -1}});
  ReverseStop r = tt.reverseContinue(never);
  ASSERT_EQ(r.kind, ReverseStop::Kind::kDebug);
  EXPECT_FALSE(r.debug.breakpoint);
  EXPECT_EQ(r.debug.address, ScribblerMachine::kCounter);
  EXPECT_EQ(eip(), ScribblerMachine::kCounterStore);
  EXPECT_EQ(m.counter(), latest - 256);  // not yet stored
  EXPECT_EQ(m.machine->cpu().st.gpr[ESI], latest);
  uint64_t before_store = icount();
  // Going back again finds the store before; forward finds this one.
  ASSERT_EQ(tt.reverseContinue(never).kind, ReverseStop::Kind::kDebug);
  EXPECT_EQ(m.counter(), latest - 512);
  ASSERT_EQ(tt.seek(before_store, never), MachineExit::kLimit);
  EXPECT_EQ(tt.run(UINT64_MAX), MachineExit::kDebug);
  EXPECT_EQ(icount(), before_store + 1);
  EXPECT_EQ(m.counter(), latest);
}

TEST_F(TimeTravelTest, AfterARewriteRunningForwardReachesTheNewHistory) {
  ASSERT_EQ(tt.run(200'000), MachineExit::kLimit);
  ASSERT_EQ(tt.seek(100'000, never), MachineExit::kLimit);
  uint32_t poke = 0xDEAD0000;
  ASSERT_TRUE(m.machine->memory().write(GuestPhys(ScribblerMachine::kCounter), &poke, 4));
  m.machine->cpu().st.gpr[EBX] ^= 0x5555;  // a new pseudo-random sequence
  tt.rewrite();
  ASSERT_EQ(tt.run(150'000), MachineExit::kLimit);
  Sha256Digest rewritten = m.digest();
  EXPECT_NE(rewritten, ref.digestAt(150'000));
  EXPECT_EQ(tt.frontier(), 150'000u);
  EXPECT_FALSE(tt.checkpoints().after(150'000));  // the old history's are gone
  ASSERT_EQ(tt.seek(50'000, never), MachineExit::kLimit);
  EXPECT_EQ(m.digest(), ref.digestAt(50'000));
  ASSERT_EQ(tt.seek(99'999, never), MachineExit::kLimit);
  EXPECT_EQ(m.digest(), ref.digestAt(99'999));
  ASSERT_EQ(tt.seek(150'000, never), MachineExit::kLimit);
  EXPECT_EQ(m.digest(), rewritten);
}

TEST_F(TimeTravelTest, TheConsoleShowsEachByteOnce) {
  ASSERT_EQ(tt.run(300'000), MachineExit::kLimit);
  std::string shown = m.console;
  ASSERT_FALSE(shown.empty());
  ASSERT_EQ(tt.seek(20'000, never), MachineExit::kLimit);
  ASSERT_EQ(tt.run(300'000), MachineExit::kLimit);
  EXPECT_EQ(m.console, shown);
  ASSERT_EQ(tt.run(600'000), MachineExit::kLimit);
  ScribblerMachine straight;
  ASSERT_EQ(straight.machine->run(600'000), MachineExit::kLimit);
  EXPECT_EQ(m.console, straight.console);
  EXPECT_GT(m.console.size(), shown.size());
}

TEST(TimeTravel, StaysWithinItsBudgetAndSeeksStayExact) {
  ScribblerMachine m;
  ScribblerReference ref;
  constexpr uint64_t kBudget = 24ull << 20;
  TimeTravel tt(*m.machine, m.clock_state, &m.history, smallSteps(kBudget));
  ASSERT_EQ(tt.run(2'000'000), MachineExit::kLimit);
  EXPECT_LE(tt.checkpoints().bytes(), kBudget);
  for (uint64_t at : {1'999'999, 777'777, 1'234'567, 3}) {
    ASSERT_EQ(tt.seek(at, never), MachineExit::kLimit);
    EXPECT_EQ(m.digest(), ref.digestAt(at)) << "at " << at;
    EXPECT_LE(tt.checkpoints().bytes(), kBudget);
  }
}

TEST(TimeTravel, DebuggerStopsLeaveTheMachineAsAnUninterruptedRunWould) {
  ScribblerMachine straight, stopped;
  ASSERT_EQ(straight.machine->run(300'000), MachineExit::kLimit);
  stopped.machine->cpu().setBreakpoints({ScribblerMachine::kMarker});
  stopped.machine->cpu().setWatches({DataWatch{ScribblerMachine::kCounter, 4, kWatchWrite, -1}});
  int stops = 0;
  while (stopped.machine->run(300'000) == MachineExit::kDebug) ++stops;
  EXPECT_GT(stops, 100);
  EXPECT_EQ(stopped.digest(), straight.digest());  // the board's poll schedule included
}

TEST(TimeTravel, AnInterruptedSeekStopsOnTheWay) {
  ScribblerMachine m;
  TimeTravel tt(*m.machine, m.clock_state, &m.history, smallSteps());
  int polls = 0;
  EXPECT_EQ(tt.seek(1'000'000, [&] { return ++polls == 3; }), MachineExit::kStopped);
  EXPECT_LT(tt.now(), 1'000'000u);
  EXPECT_GT(tt.now(), 0u);
}

}  // namespace
}  // namespace tandem::test
