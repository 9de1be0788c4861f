#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/CmosRtc.h"

namespace tandem {
namespace {

constexpr int64_t kEpoch = 1704067200;  // 2024-01-01 00:00:00 UTC, a Monday
constexpr uint64_t kSecond = 1000000000;

struct Rig {
  test::ManualClock clock;
  test::IrqRecorder irq;
  CmosRtc rtc;
  IoBus ports = test::makePortBus();

  explicit Rig(uint64_t ram = 128ull << 20) : rtc(clock, irq, kEpoch, ram) {
    EXPECT_TRUE(rtc.attach(ports).ok());
  }
  uint8_t read(uint8_t reg) {
    ports.write(0x70, 1, reg);
    return static_cast<uint8_t>(ports.read(0x71, 1));
  }
  void write(uint8_t reg, uint8_t v) {
    ports.write(0x70, 1, reg);
    ports.write(0x71, 1, v);
  }
  bool line() const { return irq.level[8]; }
};

TEST(CmosRtc, ReadsThePowerOnEpochPlusGuestTimeInBcd) {
  Rig r;
  r.clock.now = 3661 * kSecond + kSecond / 2;
  EXPECT_EQ(r.read(0x00), 0x01);
  EXPECT_EQ(r.read(0x02), 0x01);
  EXPECT_EQ(r.read(0x04), 0x01);
  EXPECT_EQ(r.read(0x06), 0x02);  // Monday
  EXPECT_EQ(r.read(0x07), 0x01);
  EXPECT_EQ(r.read(0x08), 0x01);
  EXPECT_EQ(r.read(0x09), 0x24);
  EXPECT_EQ(r.read(0x32), 0x20);
  r.clock.now = (86400ull * 59 + 23 * 3600 + 59 * 60 + 59) * kSecond;  // 2024-02-29 23:59:59
  EXPECT_EQ(r.read(0x07), 0x29);
  EXPECT_EQ(r.read(0x08), 0x02);
  EXPECT_EQ(r.read(0x04), 0x23);
}

TEST(CmosRtc, BinaryAnd12HourModesFormatTheSameTime) {
  Rig r;
  r.write(0x0B, 0x04);  // binary, 12-hour
  r.clock.now = (13 * 3600 + 5 * 60 + 42) * kSecond;
  EXPECT_EQ(r.read(0x04), 0x81);  // 1 PM
  EXPECT_EQ(r.read(0x02), 5);
  EXPECT_EQ(r.read(0x00), 42);
  EXPECT_EQ(r.read(0x09), 24);
  r.clock.now = (12 * 3600) * kSecond;
  EXPECT_EQ(r.read(0x04), 0x8C);  // 12 PM
  r.clock.now = 0;
  r.write(0x0B, 0x00);            // BCD, 12-hour
  EXPECT_EQ(r.read(0x04), 0x12);  // 12 AM
}

TEST(CmosRtc, UpdateInProgressIsSetDuringTheLast244MicrosecondsOfEachSecond) {
  Rig r;
  r.clock.now = 5 * kSecond - CmosRtc::kUipWindowNs - 1;
  EXPECT_EQ(r.read(0x0A), 0x26);
  r.clock.now = 5 * kSecond - CmosRtc::kUipWindowNs;
  EXPECT_EQ(r.read(0x0A), 0xA6);
  r.clock.now = 5 * kSecond - 1;
  EXPECT_EQ(r.read(0x0A) & 0x80, 0x80);
  r.clock.now = 5 * kSecond;
  EXPECT_EQ(r.read(0x0A) & 0x80, 0x00);
}

TEST(CmosRtc, ClockSetWithSetBitRestartsFromTheWrittenTime) {
  // As Linux's mc146818_set_time: SET, divider reset, write, restore.
  Rig r;
  r.clock.now = 10 * kSecond;
  r.write(0x0B, 0x82);
  r.write(0x0A, 0x70);
  r.write(0x00, 0x30);
  r.write(0x02, 0x45);
  r.write(0x04, 0x21);
  r.write(0x07, 0x15);
  r.write(0x08, 0x06);
  r.write(0x09, 0x31);
  r.clock.now = 20 * kSecond;
  EXPECT_EQ(r.read(0x00), 0x30);  // frozen while set
  EXPECT_EQ(r.read(0x0A) & 0x80, 0);
  r.write(0x0A, 0x26);  // leave divider reset: the first update comes 500 ms later
  r.write(0x0B, 0x02);
  r.clock.now = 20 * kSecond + kSecond / 2 - 1;
  EXPECT_EQ(r.read(0x00), 0x30);
  r.clock.now = 20 * kSecond + kSecond / 2;
  EXPECT_EQ(r.read(0x00), 0x31);
  r.clock.now = 20 * kSecond + 3 * kSecond;
  EXPECT_EQ(r.read(0x00), 0x33);
  EXPECT_EQ(r.read(0x04), 0x21);
  EXPECT_EQ(r.read(0x09), 0x31);
}

TEST(CmosRtc, LeavingDividerResetAfterClearingSetAlsoStartsHalfASecondLater) {
  // Linux restores RTC_CONTROL before RTC_FREQ_SELECT.
  Rig r;
  r.write(0x0B, 0x82);
  r.write(0x0A, 0x76);
  r.write(0x00, 0x10);
  r.clock.now = 3 * kSecond + 100;
  r.write(0x0B, 0x02);
  r.clock.now = 4 * kSecond;
  EXPECT_EQ(r.read(0x00), 0x10);  // the divider is still held
  r.write(0x0A, 0x26);
  r.clock.now = 4 * kSecond + kSecond / 2 - 1;
  EXPECT_EQ(r.read(0x00), 0x10);
  r.clock.now = 4 * kSecond + kSecond / 2;
  EXPECT_EQ(r.read(0x00), 0x11);
}

TEST(CmosRtc, WritingAFieldOfTheRunningClockMovesItKeepingThePhase) {
  Rig r;
  r.clock.now = 2 * kSecond + 300000000;
  r.write(0x02, 0x10);  // minutes
  EXPECT_EQ(r.read(0x02), 0x10);
  EXPECT_EQ(r.read(0x00), 0x02);
  r.clock.now = 3 * kSecond;
  EXPECT_EQ(r.read(0x00), 0x03);
}

TEST(CmosRtc, PeriodicInterruptArrivesOnIrq8AtTheSelectedRate) {
  Rig r;
  r.write(0x0B, 0x42);  // PIE, 24-hour BCD; rate 6 = 1024 Hz
  for (uint64_t k = 1; k <= 4; k++) {
    uint64_t deadline = r.rtc.nextDeadlineNs();
    EXPECT_EQ(deadline, (k * 32 * kSecond + 32767) / 32768);  // exact 976562.5 ns steps
    r.rtc.advance(deadline - 1);
    EXPECT_FALSE(r.line());
    r.clock.now = deadline;
    r.rtc.advance(deadline);
    EXPECT_TRUE(r.line());
    EXPECT_EQ(r.rtc.nextDeadlineNs(), kNoDeadline);  // until C is read
    EXPECT_EQ(r.read(0x0C), 0xC0);
    EXPECT_FALSE(r.line());
    EXPECT_EQ(r.read(0x0C), 0x00);
  }
}

TEST(CmosRtc, FlagsAreSetWithoutInterruptsWhenNotEnabled) {
  Rig r;
  EXPECT_EQ(r.rtc.nextDeadlineNs(), kNoDeadline);
  r.clock.now = 2 * kSecond;
  EXPECT_EQ(r.read(0x0C), 0x50);  // PF and UF, no IRQF
  EXPECT_FALSE(r.line());
}

TEST(CmosRtc, EnablingAnInterruptWhoseFlagIsSetRaisesIt) {
  Rig r;
  r.clock.now = kSecond + 1;
  r.write(0x0B, 0x12);  // UIE: the second boundary already passed
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.read(0x0C) & 0x90, 0x90);
}

TEST(CmosRtc, UpdateEndedInterruptEverySecond) {
  Rig r;
  r.clock.now = kSecond / 3;
  r.write(0x0B, 0x12);
  EXPECT_EQ(r.rtc.nextDeadlineNs(), kSecond);
  r.rtc.advance(kSecond);
  EXPECT_TRUE(r.line());
  r.clock.now = kSecond;
  EXPECT_EQ(r.read(0x0C), 0x90 | 0x40);  // PF was set too, without PIE
  EXPECT_EQ(r.rtc.nextDeadlineNs(), 2 * kSecond);
}

TEST(CmosRtc, AlarmInterruptWhenTheTimeMatches) {
  Rig r;
  r.write(0x01, 0x05);  // 00:00:05
  r.write(0x03, 0x00);
  r.write(0x05, 0x00);
  r.write(0x0B, 0x22);  // AIE
  for (uint64_t s = 1; s <= 4; s++) {
    r.rtc.advance(s * kSecond);
    EXPECT_FALSE(r.line()) << s;
  }
  r.rtc.advance(5 * kSecond);
  EXPECT_TRUE(r.line());
  r.clock.now = 5 * kSecond;
  EXPECT_EQ(r.read(0x0C) & 0xA0, 0xA0);
  // Don't-care bytes match every second.
  r.write(0x01, 0xC0);
  r.rtc.advance(6 * kSecond);
  EXPECT_TRUE(r.line());
}

TEST(CmosRtc, CmosRamHoldsTheMemorySizesFirmwareWouldHaveSet) {
  Rig r(128ull << 20);
  EXPECT_EQ(r.read(0x15) | r.read(0x16) << 8, 640);
  EXPECT_EQ(r.read(0x17) | r.read(0x18) << 8, 0xFFFF);  // capped
  EXPECT_EQ(r.read(0x30) | r.read(0x31) << 8, 0xFFFF);
  EXPECT_EQ(r.read(0x34) | r.read(0x35) << 8, (128 - 16) * 16);
  Rig small(32ull << 20);
  EXPECT_EQ(small.read(0x17) | small.read(0x18) << 8, 31 * 1024);
  unsigned sum = 0;
  for (uint8_t i = 0x10; i <= 0x2D; i++) sum += small.read(i);
  EXPECT_EQ(small.read(0x2E) << 8 | small.read(0x2F), sum);
}

TEST(CmosRtc, RamBytesAreWritableAndTheNmiBitOnlyMasksNmi) {
  Rig r;
  r.ports.write(0x70, 1, 0xC0);
  EXPECT_TRUE(r.rtc.nmiMasked());
  r.ports.write(0x71, 1, 0x5A);
  r.ports.write(0x70, 1, 0x40);
  EXPECT_FALSE(r.rtc.nmiMasked());
  EXPECT_EQ(r.ports.read(0x71, 1), 0x5Au);
  EXPECT_EQ(r.read(0x0D), 0x80);
  r.write(0x0D, 0x00);
  EXPECT_EQ(r.read(0x0D), 0x80);
}

TEST(CmosRtc, MachineResetClearsInterruptEnablesButKeepsTimeAndRam) {
  Rig r;
  r.write(0x0B, 0x72);
  r.write(0x50, 0x99);
  r.rtc.reset();
  r.clock.now = 61 * kSecond;
  EXPECT_EQ(r.read(0x0B), 0x02);
  EXPECT_EQ(r.read(0x50), 0x99);
  EXPECT_EQ(r.read(0x02), 0x01);
}

TEST(CmosRtc, SavedWithAnInterruptPendingAndRestoredClockBehavesIdentically) {
  Rig a;
  a.clock.now = 7 * kSecond;
  a.write(0x0B, 0x86);  // set, binary
  a.write(0x04, 17);
  a.write(0x0B, 0x46);  // run, PIE
  a.rtc.advance(a.rtc.nextDeadlineNs());
  a.write(0x0A, 0x2A);  // 64 Hz
  a.ports.write(0x70, 1, 0x04);

  Rig b;
  test::copyState(a.rtc, b.rtc);
  EXPECT_EQ(b.rtc.nextDeadlineNs(), a.rtc.nextDeadlineNs());
  for (Rig* r : {&a, &b}) r->clock.now = 9 * kSecond + 123456789;
  EXPECT_EQ(b.ports.read(0x71, 1), a.ports.read(0x71, 1));  // index survived
  for (uint8_t reg : {0x00, 0x02, 0x04, 0x07, 0x0A, 0x0B, 0x0C, 0x0C})
    EXPECT_EQ(b.read(reg), a.read(reg)) << int(reg);
  EXPECT_EQ(b.rtc.nextDeadlineNs(), a.rtc.nextDeadlineNs());
  EXPECT_EQ(b.rtc.saveState(), a.rtc.saveState());
}

TEST(CmosRtc, RestoreRefusesAnIndexOutsideTheRam) {
  Rig r;
  CmosRtcState s = r.rtc.state();
  s.index = 0x80;
  EXPECT_FALSE(r.rtc.restoreState(saveBlob(s)).ok());
}

}  // namespace
}  // namespace tandem
