#include "analysis/Diagnosis.h"

#include <gtest/gtest.h>

#include "logstore/FailureSignature.h"

namespace tandem {
namespace {

// A machine whose memory holds no kernel: the diagnosis keeps the monitor's
// verdict, says why it could not say more, and still times the events.
TEST(Diagnosis, WithoutAKernelTheMonitorsVerdictStandsAndTheNotesSayWhy) {
  PhysMemory ram(1u << 20);
  CpuState cpu{};
  cpu.icount = 5000;
  pb::FailureRecord f;
  f.set_kind(pb::HANG);
  f.set_icount(5000);
  f.set_message("no interrupt taken and no idle wait for 10.0 s of guest time (interrupts off)\nmore");
  std::vector<Event> ev = {{Icount(100), 0, InterruptDeliveryEvent{0x30}},
                           {Icount(200), 0, ClockReadingEvent{ClockRead::kPoll, 300}}};
  Diagnosis d = Diagnosis::make(ram, cpu, f, ev);
  EXPECT_EQ(d.kind, pb::HANG);
  EXPECT_EQ(d.cause, "interrupts disabled");
  EXPECT_EQ(d.message, "no interrupt taken and no idle wait for 10.0 s of guest time (interrupts off)");
  EXPECT_EQ(d.icount, 5000u);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].rfind("no kernel symbols: ", 0), 0u) << d.notes[0];
  EXPECT_TRUE(d.backtrace.empty());
  EXPECT_FALSE(d.task);
  EXPECT_EQ(d.timeline.entries().size(), 2u);
  EXPECT_EQ(d.timeline.failureNs(), 5100u);
  EXPECT_EQ(d.signature, failureSignature(pb::HANG, {}, f.message()));
  pb::FailureRecord r = d.record(f);
  EXPECT_EQ(r.signature(), d.signature);
  EXPECT_EQ(r.icount(), 5000u);
}

}  // namespace
}  // namespace tandem
