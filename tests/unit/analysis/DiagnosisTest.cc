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

TEST(Diagnosis, TheFailingContextIsReadWhereTheKernelsReportBeganWhenGiven) {
  PhysMemory ram(1u << 20), report_ram(1u << 20);
  CpuState cpu{}, report_cpu{};
  cpu.icount = 9000;
  report_cpu.icount = 7000;
  pb::FailureRecord f;
  f.set_kind(pb::OOPS);
  f.set_icount(9000);
  f.set_report_icount(7000);
  f.set_message("BUG: kernel NULL pointer dereference, address: 00000000");
  GuestMoment at_report{report_ram, report_cpu};
  Diagnosis d = Diagnosis::make(GuestMoment{ram, cpu}, &at_report, f, {});
  EXPECT_EQ(d.icount, 9000u);
  EXPECT_EQ(d.state_icount, 7000u);
  ASSERT_EQ(d.notes.size(), 1u);  // only that there is no kernel
  EXPECT_EQ(d.notes[0].rfind("no kernel symbols: ", 0), 0u) << d.notes[0];

  // Without that state, everything is read at the failure, and the report says so.
  Diagnosis late = Diagnosis::make(ram, cpu, f, {});
  EXPECT_EQ(late.state_icount, 9000u);
  ASSERT_EQ(late.notes.size(), 2u);
  EXPECT_NE(late.notes[0].find("icount 7000"), std::string::npos) << late.notes[0];
}

}  // namespace
}  // namespace tandem
