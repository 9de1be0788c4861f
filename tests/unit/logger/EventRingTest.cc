#include "logger/EventRing.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace tandem {
namespace {

Event clockAt(uint64_t icount, uint64_t ns) {
  return Event{Icount(icount), 0xc0100000u + static_cast<uint32_t>(icount),
               ClockReadingEvent{ClockRead::kTsc, ns}};
}

TEST(EventRing, EveryKindOfEventComesOutAsItWentIn) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 1700000000);
  ASSERT_TRUE(ring);
  std::vector<Event> in = {
      clockAt(5, 77),
      Event{Icount(6), 1, SerialInputEvent{{'l', 's', '\n'}}},
      Event{Icount(6), 2, InterruptRaiseEvent{4}},
      Event{Icount(9), 3, InterruptDeliveryEvent{0x24}},
      Event{Icount(9), 4, MachineDigestEvent{std::vector<uint8_t>(32, 0xab)}},
  };
  for (const Event& e : in) (*ring)->push(e);
  for (const Event& e : in) {
    RingRecord r;
    ASSERT_TRUE((*ring)->pop(r));
    ASSERT_EQ(r.kind, RingRecord::kEvent);
    EXPECT_EQ(r.event, e);
  }
  RingRecord r;
  EXPECT_FALSE((*ring)->pop(r));
  EXPECT_EQ((*ring)->bootEpochSeconds(), 1700000000);
}

TEST(EventRing, TheFailureRecordIsTheLastRecordAndSetsTheState) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 0);
  ASSERT_TRUE(ring);
  (*ring)->push(clockAt(1, 1));
  pb::FailureRecord f;
  f.set_kind(pb::PANIC);
  f.set_icount(42);
  f.set_message("Kernel panic - not syncing: test");
  (*ring)->finish(&f);
  EXPECT_EQ((*ring)->producerState(), ProducerState::kFailed);
  EXPECT_FALSE((*ring)->drained());
  RingRecord r;
  ASSERT_TRUE((*ring)->pop(r));
  EXPECT_EQ(r.kind, RingRecord::kEvent);
  ASSERT_TRUE((*ring)->pop(r));
  ASSERT_EQ(r.kind, RingRecord::kFailure);
  EXPECT_EQ(r.failure.icount(), 42u);
  EXPECT_EQ(r.failure.message(), "Kernel panic - not syncing: test");
  EXPECT_TRUE((*ring)->drained());
}

TEST(EventRing, SizesOutsideTheLimitsAreRefusedByName) {
  auto small = EventRing::create(4096, 0);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("ring size"), std::string::npos);
}

// A consumer in another process, slower than the producer: nothing is lost
// or reordered across many wraps of a small ring, and the producer's waits
// for room are counted.
TEST(EventRing, AChildProcessReceivesEveryEventInOrderThroughAFullRing) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 0);
  ASSERT_TRUE(ring);
  constexpr uint64_t kEvents = 200000;  // ~5 MB: the 1 MiB ring wraps ~5 times
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    uint64_t next = 0;
    usleep(100000);  // let the ring fill
    while (next < kEvents) {
      RingRecord r;
      if (!(*ring)->pop(r)) {
        if ((*ring)->drained()) std::_Exit(2);
        continue;
      }
      if (r.kind != RingRecord::kEvent || r.event != clockAt(next, next * 3)) std::_Exit(3);
      ++next;
    }
    RingRecord r;
    while (!(*ring)->pop(r)) {
    }
    std::_Exit(r.kind == RingRecord::kFailure && (*ring)->drained() ? 0 : 4);
  }
  (*ring)->setConsumerProcess(pid);
  for (uint64_t k = 0; k < kEvents; ++k) (*ring)->push(clockAt(k, k * 3));
  pb::FailureRecord f;
  f.set_kind(pb::HANG);
  (*ring)->finish(&f);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  RingStats s = (*ring)->stats();
  EXPECT_EQ(s.records, kEvents + 1);
  EXPECT_GT(s.full_waits, 0u);
  EXPECT_GT(s.wait_ns, 0u);
}

TEST(EventRing, AProducerStopsWaitingWhenItsConsumerHasExited) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 0);
  ASSERT_TRUE(ring);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) std::_Exit(0);  // a consumer that never reads
  (*ring)->setConsumerProcess(pid);
  // Far more than fits: without the check this would wait forever.
  for (uint64_t k = 0; k < 100000; ++k) (*ring)->push(clockAt(k, k));
  EXPECT_TRUE((*ring)->consumerGone());
  int status;
  waitpid(pid, &status, 0);
}


TEST(EventRing, APrimaryTooFarAheadWaitsUntilTheBackupIsBackWithinItsLag) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 0);
  ASSERT_TRUE(ring);
  (*ring)->setMaxLead(2500, 2250);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // A backup that starts late: it follows the primary 2,000 ns behind,
    // as it would by its lag, once the primary has gone far ahead.
    usleep(50'000);
    for (;;) {
      uint64_t published = (*ring)->publishedNs();
      (*ring)->setConsumerNs(published > 2000 ? published - 2000 : 0);
      if (published >= 10'000) std::_Exit(0);
      usleep(100);
    }
  }
  (*ring)->setConsumerProcess(pid);
  uint64_t most_ahead = 0;
  for (uint64_t ns = 1000; ns <= 10'000; ns += 100) {
    (*ring)->publish(Icount(ns), ns);
    // What the backup reported, as seen right after publishing.
    uint64_t behind = ns - std::min<uint64_t>(ns, (*ring)->consumerNs());
    most_ahead = std::max(most_ahead, behind);
  }
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ((*ring)->startNs(), 1000u);
  RingStats s = (*ring)->stats();
  EXPECT_GT(s.lag_waits, 0u);
  EXPECT_GT(s.lag_wait_ns, 40'000'000u);  // the backup's late start was waited for
  EXPECT_LE(most_ahead, 2500u);
}
TEST(EventRing, TheBackupsReportReachesTheProducer) {
  auto ring = EventRing::create(EventRing::kMinCapacity, 0);
  ASSERT_TRUE(ring);
  EXPECT_FALSE((*ring)->report());
  BackupReport r;
  r.outcome = BackupReport::kBundle;
  r.bundle_id = std::string(64, 'a');
  r.freeze_ns = 123;
  r.max_lag_ns = 2'500'000'000;
  (*ring)->setReport(r);
  auto got = (*ring)->report();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->outcome, BackupReport::kBundle);
  EXPECT_EQ(got->bundle_id, r.bundle_id);
  EXPECT_EQ(got->freeze_ns, 123u);
  EXPECT_EQ(got->max_lag_ns, r.max_lag_ns);
}

}  // namespace
}  // namespace tandem
