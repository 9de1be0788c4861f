#include "logger/FailureDetector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "logger/VirtualClock.h"

namespace tandem {
namespace {

class CaptureSink final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t byte) override { text.push_back(static_cast<char>(byte)); }
  std::string text;
};

constexpr uint64_t kSecond = 1'000'000'000;

struct DetectorTest : ::testing::Test {
  CaptureSink sink;
  FailureDetector d{sink, nullptr, 10 * kSecond};
  void print(const std::string& s) {
    for (char c : s) d.consoleWrite(static_cast<uint8_t>(c));
  }
};

TEST_F(DetectorTest, ConsoleBytesPassThroughAndFormTheTail) {
  print("hello\r\nworld\n");
  EXPECT_EQ(sink.text, "hello\r\nworld\n");
  EXPECT_EQ(d.consoleTail(), "hello\r\nworld\n");
  EXPECT_FALSE(d.detected());
}

TEST_F(DetectorTest, APanicIsDetectedWhenTheKernelClosesItsReport) {
  print("[   40.977337] Kernel panic - not syncing: sysrq triggered crash\n");
  EXPECT_FALSE(d.detected());
  print("[   40.977337] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\n");
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::PANIC);
  EXPECT_EQ(d.detected()->message, "Kernel panic - not syncing: sysrq triggered crash");
}

TEST_F(DetectorTest, RestoringAStateFromBeforeAFailureForgetsTheDetection) {
  std::vector<uint8_t> before = d.saveState();
  print("Kernel panic - not syncing: sysrq triggered crash\n");
  d.onExit(MachineExit::kReset, Icount(100));
  ASSERT_TRUE(d.detected());
  ASSERT_TRUE(d.restoreState(before));
  EXPECT_FALSE(d.detected());
  d.onExit(MachineExit::kReset, Icount(200));  // no panic line since that state
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::UNEXPECTED_RESET);
}

TEST_F(DetectorTest, AResetAfterAPanicLineIsThePanic) {
  print("Kernel panic - not syncing: Attempted to kill init!\n");
  d.onExit(MachineExit::kReset, Icount(100));
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::PANIC);
}

TEST_F(DetectorTest, AnOopsIsDetectedAtTheEndOfItsTraceWithItsFirstLine) {
  print("[    5.1] BUG: kernel NULL pointer dereference, address: 00000000\n");
  print("[    5.1] #PF: supervisor write access in kernel mode\n");
  print("[    5.1] Oops: 0002 [#1] PREEMPT SMP\n");
  EXPECT_FALSE(d.detected());
  print("[    5.2] ---[ end trace 0000000000000000 ]---\n");
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::OOPS);
  EXPECT_EQ(d.detected()->message, "BUG: kernel NULL pointer dereference, address: 00000000");
}

TEST_F(DetectorTest, AnOopsReportWithoutAnEndIsTakenAsCompleteASecondLater) {
  d.onInterrupt(Icount(1), 0, 0x20);
  d.onClock(Icount(1), 30 * kSecond);
  print("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:93]\n");
  d.onClock(Icount(2), 30 * kSecond + kSecond / 2);
  EXPECT_FALSE(d.detected());
  d.onClock(Icount(3), 31 * kSecond + 1);
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::OOPS);
  EXPECT_NE(d.detected()->message.find("soft lockup"), std::string::npos);
}

TEST_F(DetectorTest, AnAnnouncedRebootIsNotAFailureButASilentResetIs) {
  print("reboot: Restarting system\n");
  d.onExit(MachineExit::kReset, Icount(5));
  EXPECT_FALSE(d.detected());

  CaptureSink sink2;
  FailureDetector silent(sink2, nullptr, 10 * kSecond);
  silent.onExit(MachineExit::kReset, Icount(5));
  ASSERT_TRUE(silent.detected());
  EXPECT_EQ(silent.detected()->kind, pb::UNEXPECTED_RESET);
}

TEST_F(DetectorTest, ATripleFaultIsAFailure) {
  d.onExit(MachineExit::kTripleFault, Icount(7));
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::TRIPLE_FAULT);
}

TEST_F(DetectorTest, TheWatchdogFiresAfterItsPeriodWithoutInterruptsOrIdleWaits) {
  d.onClock(Icount(1), 1 * kSecond);
  d.onInterrupt(Icount(1), 0, 0x20);
  d.onClock(Icount(2), 2 * kSecond);  // progress noted at 2 s
  d.onClock(Icount(3), 11 * kSecond);
  EXPECT_FALSE(d.detected());
  d.onIdle(Icount(3));
  d.onClock(Icount(4), 12 * kSecond + 1);  // idle waits count as progress
  EXPECT_FALSE(d.detected());
  d.onClock(Icount(5), 22 * kSecond + 1);
  EXPECT_FALSE(d.detected());
  d.onClock(Icount(6), 22 * kSecond + 2);
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::HANG);
  EXPECT_NE(d.detected()->message.find("10.0 s"), std::string::npos);
}

TEST_F(DetectorTest, InterruptsArePassedOnToTheNextObserver) {
  struct Counter final : MachineObserver {
    int n = 0;
    void onInterrupt(Icount, uint32_t, uint8_t) override { ++n; }
  } counter;
  d.setNext(&counter);
  d.onInterrupt(Icount(1), 0, 0x20);
  d.onInterrupt(Icount(2), 0, 0x21);
  EXPECT_EQ(counter.n, 2);
}

TEST_F(DetectorTest, ARestoredDetectorFinishesWhatTheSavedOneHadSeen) {
  d.onInterrupt(Icount(1), 0, 0x20);
  d.onClock(Icount(1), 3 * kSecond);
  print("[ 3.0] Kernel panic - not syncing: Fatal exception\n[ 3.0] Kernel Off");
  std::vector<uint8_t> saved = d.saveState();

  CaptureSink sink2;
  FailureDetector resumed(sink2, nullptr, 10 * kSecond);
  ASSERT_TRUE(resumed.restoreState(saved));
  for (char c : std::string("set: disabled\n---[ end Kernel panic - not syncing: Fatal ]---\n"))
    resumed.consoleWrite(static_cast<uint8_t>(c));
  ASSERT_TRUE(resumed.detected());
  EXPECT_EQ(resumed.detected()->kind, pb::PANIC);
  EXPECT_EQ(resumed.detected()->message, "Kernel panic - not syncing: Fatal exception");
  // The watchdog's reference came along: 3 s + 10 s.
  FailureDetector w(sink2, nullptr, 10 * kSecond);
  ASSERT_TRUE(w.restoreState(saved));
  w.onClock(Icount(9), 13 * kSecond);
  EXPECT_FALSE(w.detected());
  w.onClock(Icount(10), 13 * kSecond + 1);
  EXPECT_TRUE(w.detected());
}

// A detector on a machine, which gives it icounts.
struct PositionedDetectorTest : DetectorTest {
  PositionedDetectorTest() {
    auto m = Machine::create(MachineConfig{8 << 20}, clock, d);
    EXPECT_TRUE(m.ok()) << m.error().message;
    machine = std::move(*m);
    d.attach(*machine);
  }
  void at(uint64_t icount) {
    CpuState c = machine->cpu().saveState();
    c.icount = icount;
    machine->cpu().loadState(c);
  }
  VirtualClock clock;
  std::unique_ptr<Machine> machine;
};

TEST_F(PositionedDetectorTest, AnOopsDetectionSaysWhereTheKernelsReportBegan) {
  at(1000);
  print("[    5.1] tandem_crash: NULL pointer dereference\n");
  EXPECT_EQ(d.reportIcount(), 0u);
  at(2000);
  print("[    5.1] BUG: kernel NULL pointer dereference, address: 00000000\n");
  EXPECT_EQ(d.reportIcount(), 2000u);
  at(3000);
  print("[    5.1] Oops: 0000 [#1] PREEMPT SMP\n");
  at(9000);
  print("[    5.2] ---[ end trace 0000000000000000 ]---\n");
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->icount, 9000u);
  EXPECT_EQ(d.detected()->report_icount, 2000u);
}

TEST_F(PositionedDetectorTest, APanicAfterASoftLockupBelongsToTheLockupsReport) {
  at(500);
  print("watchdog: BUG: soft lockup - CPU#0 stuck for 2s! [dd:93]\n");
  at(800);
  print("Kernel panic - not syncing: softlockup: hung tasks\n");
  d.onExit(MachineExit::kReset, Icount(900));
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->kind, pb::PANIC);
  EXPECT_EQ(d.detected()->report_icount, 500u);
}

TEST_F(PositionedDetectorTest, FailuresWithoutAReportHaveNoReportIcount) {
  at(700);
  d.onExit(MachineExit::kTripleFault, Icount(700));
  ASSERT_TRUE(d.detected());
  EXPECT_EQ(d.detected()->report_icount, 0u);
}

TEST_F(PositionedDetectorTest, WhereAReportBeganTravelsWithTheSavedState) {
  at(4000);
  print("Kernel panic - not syncing: Attempted to kill init!\n");
  std::vector<uint8_t> saved = d.saveState();
  CaptureSink sink2;
  FailureDetector resumed(sink2, nullptr, 10 * kSecond);
  ASSERT_TRUE(resumed.restoreState(saved));
  EXPECT_EQ(resumed.reportIcount(), 4000u);
  resumed.onExit(MachineExit::kReset, Icount(5000));
  ASSERT_TRUE(resumed.detected());
  EXPECT_EQ(resumed.detected()->report_icount, 4000u);
}

TEST_F(DetectorTest, AStateSavedWithoutTheReportIcountIsReadAsUnknown) {
  print("Kernel panic - not syncing: Attempted to kill init!\n");
  std::vector<uint8_t> saved = d.saveState();
  saved.resize(saved.size() - sizeof(uint64_t));  // as an older tandem wrote it
  CaptureSink sink2;
  FailureDetector resumed(sink2, nullptr, 10 * kSecond);
  ASSERT_TRUE(resumed.restoreState(saved));
  resumed.onExit(MachineExit::kReset, Icount(5000));
  ASSERT_TRUE(resumed.detected());
  EXPECT_EQ(resumed.detected()->kind, pb::PANIC);
  EXPECT_EQ(resumed.detected()->report_icount, 0u);
}

TEST_F(DetectorTest, DamagedStateIsRefused) {
  std::vector<uint8_t> saved = d.saveState();
  saved.pop_back();
  EXPECT_FALSE(d.restoreState(saved));
  std::vector<uint8_t> junk(8, 0xff);
  EXPECT_FALSE(d.restoreState(junk));
}

}  // namespace
}  // namespace tandem
