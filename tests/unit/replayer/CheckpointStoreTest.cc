#include "replayer/CheckpointStore.h"

#include <gtest/gtest.h>

#include "tests/unit/replayer/ScribblerMachine.h"

namespace tandem::test {
namespace {

constexpr uint64_t kBudget = 64ull << 20;

// Runs the machine to each icount in turn and takes a checkpoint there.
void takeAt(ScribblerMachine& m, CheckpointStore& store, std::initializer_list<uint64_t> icounts) {
  for (uint64_t at : icounts) {
    ASSERT_EQ(m.machine->run(at), MachineExit::kLimit);
    store.take();
  }
}

TEST(CheckpointStore, RestoreGivesBackTheMachineAsItWasAtEachCheckpoint) {
  ScribblerMachine m;
  ScribblerReference ref;
  CheckpointStore store(*m.machine, m.clock_state, kBudget);
  takeAt(m, store, {0, 50'000, 120'000, 300'000});
  ASSERT_EQ(m.machine->run(400'000), MachineExit::kLimit);
  // Backwards, then forwards again, then the same one twice.
  for (uint64_t at : {120'000, 0, 50'000, 300'000, 300'000, 120'000}) {
    EXPECT_EQ(store.restore(at), at);
    EXPECT_EQ(m.machine->icount().value(), at);
    EXPECT_EQ(m.digest(), ref.digestAt(at)) << "at " << at;
  }
  // The latest checkpoint at or before the icount asked for.
  EXPECT_EQ(store.restore(299'999), 120'000u);
  EXPECT_EQ(m.digest(), ref.digestAt(120'000));
}

TEST(CheckpointStore, RunningOnFromARestoredCheckpointRepeatsHistoryExactly) {
  ScribblerMachine m;
  ScribblerReference ref;
  CheckpointStore store(*m.machine, m.clock_state, kBudget);
  store.take();
  ASSERT_EQ(m.machine->run(200'000), MachineExit::kLimit);
  store.take();
  ASSERT_EQ(m.machine->run(500'000), MachineExit::kLimit);
  store.restore(250'000);
  ASSERT_EQ(m.machine->run(333'333), MachineExit::kLimit);
  EXPECT_EQ(m.digest(), ref.digestAt(333'333));
  store.restore(10);
  ASSERT_EQ(m.machine->run(444'444), MachineExit::kLimit);
  EXPECT_EQ(m.digest(), ref.digestAt(444'444));
}

TEST(CheckpointStore, LaterCheckpointsStoreOnlyThePagesWrittenSinceTheOneBefore) {
  ScribblerMachine m;
  CheckpointStore store(*m.machine, m.clock_state, kBudget);
  store.take();
  uint64_t first = store.bytes();
  ASSERT_EQ(m.machine->run(1'000), MachineExit::kLimit);
  store.take();
  // About a hundred loop iterations: at most that many pages, plus the
  // saved state; nothing like the 2048 pages of RAM.
  EXPECT_LT(store.bytes() - first, 150u * (kPageSize + 64) + 64 * 1024);
  EXPECT_GT(store.bytes() - first, 50u * kPageSize);
}

TEST(CheckpointStore, OverBudgetItKeepsFewerCheckpointsEvenlySpreadAndRestoresStayExact) {
  ScribblerMachine m;
  ScribblerReference ref;
  // Room for the first checkpoint and a few dozen deltas of ~300 pages.
  constexpr uint64_t kSmall = 40ull << 20;
  CheckpointStore store(*m.machine, m.clock_state, kSmall);
  store.take();
  std::vector<uint64_t> taken;
  for (uint64_t at = 4'000; at <= 400'000; at += 4'000) {
    ASSERT_EQ(m.machine->run(at), MachineExit::kLimit);
    store.take();
    taken.push_back(at);
    EXPECT_LE(store.bytes(), kSmall);
  }
  EXPECT_LT(store.size(), taken.size());
  EXPECT_GT(store.size(), 8u);
  EXPECT_EQ(store.first(), 0u);
  EXPECT_TRUE(store.has(400'000));  // the latest stays
  // No gap between survivors is much wider than the rest.
  uint64_t widest = 0, narrowest = UINT64_MAX, prev = 0;
  for (uint64_t at : taken) {
    if (!store.has(at)) continue;
    widest = std::max(widest, at - prev);
    narrowest = std::min(narrowest, at - prev);
    prev = at;
  }
  EXPECT_LE(widest, 4 * narrowest);
  for (uint64_t at : {uint64_t{0}, *store.atOrBefore(200'000), *store.atOrBefore(300'000),
                      uint64_t{400'000}, *store.atOrBefore(100'000)}) {
    store.restore(at);
    EXPECT_EQ(m.digest(), ref.digestAt(at)) << "at " << at;
  }
}

TEST(CheckpointStore, DropFromForgetsLaterCheckpointsAndKeepsEarlierOnesExact) {
  ScribblerMachine m;
  ScribblerReference ref;
  CheckpointStore store(*m.machine, m.clock_state, kBudget);
  takeAt(m, store, {0, 100'000, 200'000, 300'000});
  store.restore(200'000);
  ASSERT_EQ(m.machine->run(250'000), MachineExit::kLimit);
  // The base (200000) goes: RAM is then tracked against 100000.
  store.dropFrom(150'000);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.base(), 100'000u);
  EXPECT_FALSE(store.after(100'000));
  store.restore(100'000);
  EXPECT_EQ(m.digest(), ref.digestAt(100'000));
  store.restore(0);
  EXPECT_EQ(m.digest(), ref.digestAt(0));
}

TEST(CheckpointStore, PassingACheckpointTracksRamFromIt) {
  ScribblerMachine m;
  ScribblerReference ref;
  CheckpointStore store(*m.machine, m.clock_state, kBudget);
  takeAt(m, store, {0, 100'000, 200'000});
  store.restore(0);
  ASSERT_EQ(m.machine->run(100'000), MachineExit::kLimit);
  store.passed();
  EXPECT_EQ(store.base(), 100'000u);
  ASSERT_EQ(m.machine->run(150'000), MachineExit::kLimit);
  store.restore(200'000);
  EXPECT_EQ(m.digest(), ref.digestAt(200'000));
  store.restore(100'000);
  EXPECT_EQ(m.digest(), ref.digestAt(100'000));
}

}  // namespace
}  // namespace tandem::test
