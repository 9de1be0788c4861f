#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/Pit8254.h"

namespace tandem {
namespace {

struct Rig {
  test::ManualClock clock;
  test::IrqRecorder irq;
  Pit8254 pit{clock, irq};
  IoBus ports = test::makePortBus();

  Rig() { EXPECT_TRUE(pit.attach(ports).ok()); }
  void out(uint16_t port, uint8_t v) { ports.write(port, 1, v); }
  uint8_t in(uint16_t port) { return static_cast<uint8_t>(ports.read(port, 1)); }
  // Control word then a 16-bit count, low byte first.
  void program(unsigned ch, unsigned mode, uint16_t count, bool bcd = false) {
    out(0x43, uint8_t(ch << 6 | 0x30 | mode << 1 | (bcd ? 1 : 0)));
    out(uint16_t(0x40 + ch), uint8_t(count));
    out(uint16_t(0x40 + ch), uint8_t(count >> 8));
  }
  uint16_t latchAndRead(unsigned ch) {
    out(0x43, uint8_t(ch << 6));
    uint16_t lo = in(uint16_t(0x40 + ch));
    return uint16_t(lo | in(uint16_t(0x40 + ch)) << 8);
  }
  void at(uint64_t ns) { clock.now = ns; }
  void advanceTo(uint64_t ns) {
    clock.now = ns;
    pit.advance(ns);
  }
  unsigned irqs() const { return irq.rises[0]; }
};

TEST(Pit8254, Mode2ReloadsAndFiresEveryPeriod) {
  Rig r;
  r.at(5000);
  r.program(0, 2, 1193);
  uint64_t t0 = pitTicksAt(5000);
  unsigned base = r.irqs();
  for (uint64_t k = 1; k <= 1000; k++) {
    uint64_t deadline = r.pit.nextDeadlineNs();
    ASSERT_EQ(deadline, pitNsAtTick(t0 + k * 1193));
    r.advanceTo(deadline - 1);
    ASSERT_EQ(r.irqs(), base + k - 1);
    r.advanceTo(deadline);
    ASSERT_EQ(r.irqs(), base + k);
    EXPECT_TRUE(r.irq.level[0]);
  }
}

TEST(Pit8254, PeriodicDeadlinesStayExactAfterAnHourOfGuestTime) {
  Rig r;
  r.program(0, 2, 4773);  // Linux's LATCH for HZ=250
  uint64_t hour = 3600ull * 1000000000;
  r.advanceTo(hour);
  uint64_t ticks = hour * kPitHz / 1000000000;  // exact: 4295455200000 ticks
  uint64_t next_edge = (ticks / 4773 + 1) * 4773;
  EXPECT_EQ(r.pit.nextDeadlineNs(), (next_edge * 1000000000 + kPitHz - 1) / kPitHz);
  // The counter read at that instant agrees with the same tick count.
  EXPECT_EQ(r.latchAndRead(0), 4773 - ticks % 4773);
}

TEST(Pit8254, TickConversionRoundTripsExactly) {
  for (uint64_t tick : {0ull, 1ull, 1193181ull, 1193182ull, 123456789012ull}) {
    uint64_t ns = pitNsAtTick(tick);
    EXPECT_EQ(pitTicksAt(ns), tick);
    if (ns > 0) {
      EXPECT_EQ(pitTicksAt(ns - 1), tick - 1);
    }
  }
  EXPECT_EQ(pitTicksAt(1000000000), kPitHz);
}

TEST(Pit8254, Mode0RaisesOutOnceAtTerminalCountAndKeepsCountingDown) {
  Rig r;
  r.program(0, 0, 0x1000);
  EXPECT_FALSE(r.irq.level[0]);
  uint64_t deadline = r.pit.nextDeadlineNs();
  EXPECT_EQ(deadline, pitNsAtTick(0x1000));
  r.advanceTo(deadline);
  EXPECT_EQ(r.irqs(), 1u);
  EXPECT_TRUE(r.irq.level[0]);
  EXPECT_EQ(r.pit.nextDeadlineNs(), kNoDeadline);
  r.at(pitNsAtTick(0x1000 + 1));
  EXPECT_EQ(r.latchAndRead(0), 0xFFFF);
  r.advanceTo(pitNsAtTick(0x30000));
  EXPECT_EQ(r.irqs(), 1u);
}

TEST(Pit8254, Mode0FirstByteStopsTheCountAndSetsOutLow) {
  Rig r;
  r.pit.setGate2(true, 0);
  r.program(2, 0, 10);
  r.at(pitNsAtTick(20));
  EXPECT_TRUE(r.pit.out2(r.clock.now));
  r.out(0x42, 0x50);  // low byte of a new count
  EXPECT_FALSE(r.pit.out2(r.clock.now));
  uint16_t frozen = r.latchAndRead(2);
  r.at(pitNsAtTick(500));
  EXPECT_EQ(r.latchAndRead(2), frozen);
  r.out(0x42, 0x00);  // high byte: count 0x50 starts now
  r.at(pitNsAtTick(500 + 0x50 - 1));
  EXPECT_FALSE(r.pit.out2(r.clock.now));
  r.at(pitNsAtTick(500 + 0x50));
  EXPECT_TRUE(r.pit.out2(r.clock.now));
}

TEST(Pit8254, Mode3SquareWaveIsHighForTheFirstHalfOfEachPeriod) {
  Rig r;
  r.pit.setGate2(true, 0);
  r.program(2, 3, 100);
  for (uint64_t t = 0; t < 300; t++) {
    EXPECT_EQ(r.pit.out2(pitNsAtTick(t)), t % 100 < 50) << "tick " << t;
  }
  // Odd count: high for (N+1)/2 ticks, low for (N-1)/2.
  r.at(pitNsAtTick(1000));
  r.program(2, 3, 7);
  for (uint64_t t = 0; t < 14; t++)
    EXPECT_EQ(r.pit.out2(pitNsAtTick(1000 + t)), t % 7 < 4) << "tick " << t;
}

TEST(Pit8254, Mode3OnChannel0InterruptsOncePerPeriod) {
  Rig r;
  r.program(0, 3, 1000);
  unsigned base = r.irqs();
  for (unsigned k = 1; k <= 5; k++) {
    r.advanceTo(r.pit.nextDeadlineNs());
    EXPECT_EQ(r.irqs(), base + k);
  }
  r.advanceTo(pitNsAtTick(5 * 1000 + 600));  // inside the low half
  EXPECT_FALSE(r.irq.level[0]);
}

TEST(Pit8254, MissedPeriodsRaiseOneInterruptNotMany) {
  Rig r;
  r.program(0, 2, 100);
  unsigned base = r.irqs();
  r.advanceTo(pitNsAtTick(10050));
  EXPECT_EQ(r.irqs(), base + 1);
  EXPECT_EQ(r.pit.nextDeadlineNs(), pitNsAtTick(10100));
}

TEST(Pit8254, Mode4StrobeFiresOneTickAfterTheCountExpires) {
  Rig r;
  r.program(0, 4, 50);  // Linux's one-shot clock event mode
  unsigned base = r.irqs();
  EXPECT_EQ(r.pit.nextDeadlineNs(), pitNsAtTick(51));
  r.advanceTo(pitNsAtTick(50));
  EXPECT_FALSE(r.irq.level[0]);  // the one low tick
  r.advanceTo(pitNsAtTick(51));
  EXPECT_EQ(r.irqs(), base + 1);
  EXPECT_EQ(r.pit.nextDeadlineNs(), kNoDeadline);
}

TEST(Pit8254, CounterReadsDecrementAtTheInputClockRate) {
  Rig r;
  r.program(0, 2, 0);  // 65536
  r.at(pitNsAtTick(1));
  EXPECT_EQ(r.latchAndRead(0), 0xFFFF);
  r.at(pitNsAtTick(65536 + 300));
  EXPECT_EQ(r.latchAndRead(0), 65536 - 300);
  // Unlatched reads: low byte, then high byte of the value at each read.
  r.at(pitNsAtTick(2 * 65536 + 0x1234));
  uint8_t lo = r.in(0x40);
  uint8_t hi = r.in(0x40);
  EXPECT_EQ(lo | hi << 8, 65536 - 0x1234);
}

TEST(Pit8254, LatchedValueHoldsUntilBothBytesAreRead) {
  Rig r;
  r.program(0, 2, 1000);
  r.at(pitNsAtTick(100));
  r.out(0x43, 0x00);
  r.at(pitNsAtTick(400));
  r.out(0x43, 0x00);  // ignored: already latched
  EXPECT_EQ(r.in(0x40), 900 & 0xFF);
  r.at(pitNsAtTick(700));
  EXPECT_EQ(r.in(0x40), 900 >> 8);
  EXPECT_EQ(r.latchAndRead(0), 300);
}

TEST(Pit8254, LowByteOnlyAndHighByteOnlyAccessModes) {
  Rig r;
  r.out(0x43, 0x14);  // channel 0, low byte only, mode 2
  r.out(0x40, 200);
  r.at(pitNsAtTick(50));
  EXPECT_EQ(r.in(0x40), 150);
  EXPECT_EQ(r.in(0x40), 150);
  r.out(0x43, 0x24);  // high byte only: count 0x0300
  r.out(0x40, 0x03);
  r.at(pitNsAtTick(50 + 0x100));
  EXPECT_EQ(r.in(0x40), 0x02);
}

TEST(Pit8254, ReadBackReturnsStatusThenLatchedCount) {
  Rig r;
  r.out(0x43, 0xB4);  // channel 2, lobyte/hibyte, mode 2, binary
  r.out(0x43, 0xE8);  // read-back status of channel 2: count not written yet
  EXPECT_EQ(r.in(0x42), 0x80 | 0x40 | 0x30 | 0x04);  // OUT high, null count, access 3, mode 2
  r.out(0x42, 0x00);
  r.out(0x42, 0x10);
  r.pit.setGate2(true, 0);
  r.at(pitNsAtTick(0x10));
  r.out(0x43, 0xC8);                          // read-back count and status of channel 2
  EXPECT_EQ(r.in(0x42), 0x80 | 0x30 | 0x04);  // OUT high, count loaded
  EXPECT_EQ(r.in(0x42), 0xF0);
  EXPECT_EQ(r.in(0x42), 0x0F);
}

TEST(Pit8254, BcdCountingCountsDecimalDigits) {
  Rig r;
  r.program(0, 2, 0x1000, /*bcd=*/true);  // 1000 decimal
  r.at(pitNsAtTick(1));
  EXPECT_EQ(r.latchAndRead(0), 0x0999);
  r.at(pitNsAtTick(1000 + 1));
  EXPECT_EQ(r.latchAndRead(0), 0x0999);
  EXPECT_EQ(r.pit.nextDeadlineNs(), pitNsAtTick(2000));
  r.program(0, 0, 0x0000, /*bcd=*/true);  // 0 means 10000 in BCD
  r.at(pitNsAtTick(pitTicksAt(r.clock.now) + 1));
  EXPECT_EQ(r.latchAndRead(0), 0x9999);
}

TEST(Pit8254, NewCountInMode2TakesEffectAtTheEndOfTheCurrentPeriod) {
  Rig r;
  r.program(0, 2, 100);
  r.at(pitNsAtTick(130));
  r.out(0x40, 50);
  r.out(0x40, 0);
  EXPECT_EQ(r.latchAndRead(0), 70);  // still the old period
  EXPECT_EQ(r.pit.nextDeadlineNs(), pitNsAtTick(200));
  r.advanceTo(pitNsAtTick(200));
  EXPECT_EQ(r.pit.nextDeadlineNs(), pitNsAtTick(250));
  r.at(pitNsAtTick(210));
  EXPECT_EQ(r.latchAndRead(0), 40);
}

TEST(Pit8254, GateLowPausesMode0AndRisingGateResumes) {
  Rig r;
  r.pit.setGate2(true, 0);
  r.program(2, 0, 100);
  r.pit.setGate2(false, pitNsAtTick(40));
  r.at(pitNsAtTick(90));
  EXPECT_EQ(r.latchAndRead(2), 60);
  r.pit.setGate2(true, pitNsAtTick(90));
  EXPECT_FALSE(r.pit.out2(pitNsAtTick(149)));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(150)));
}

TEST(Pit8254, GateLowHoldsMode2OutHighAndRisingGateReloads) {
  Rig r;
  r.pit.setGate2(true, 0);
  r.program(2, 2, 10);
  EXPECT_FALSE(r.pit.out2(pitNsAtTick(9)));
  r.pit.setGate2(false, pitNsAtTick(19));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(19)));
  r.pit.setGate2(true, pitNsAtTick(25));
  r.at(pitNsAtTick(26));
  EXPECT_EQ(r.latchAndRead(2), 9);
}

TEST(Pit8254, Mode1OneShotStartsOnGateRisingEdge) {
  Rig r;
  r.program(2, 1, 30);
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(100)));
  r.pit.setGate2(true, pitNsAtTick(100));
  EXPECT_FALSE(r.pit.out2(pitNsAtTick(129)));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(130)));
  // Retriggered: a new pulse of the full length.
  r.pit.setGate2(false, pitNsAtTick(140));
  r.pit.setGate2(true, pitNsAtTick(150));
  EXPECT_FALSE(r.pit.out2(pitNsAtTick(179)));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(180)));
}

TEST(Pit8254, Mode5StrobeFollowsTheGateTrigger) {
  Rig r;
  r.program(2, 5, 20);
  r.pit.setGate2(true, pitNsAtTick(10));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(29)));
  EXPECT_FALSE(r.pit.out2(pitNsAtTick(30)));
  EXPECT_TRUE(r.pit.out2(pitNsAtTick(31)));
}

TEST(Pit8254, ControlWordPortReadsAllOnes) {
  Rig r;
  EXPECT_EQ(r.in(0x43), 0xFF);
}

TEST(Pit8254, SavedMidActivityAndRestoredIntoAFreshTimerBehavesIdentically) {
  Rig a;
  a.program(0, 2, 1193);
  a.pit.setGate2(true, 0);
  a.program(2, 0, 5000);
  a.advanceTo(pitNsAtTick(3000));
  a.out(0x43, 0x80);  // latch channel 2
  (void)a.in(0x42);   // half read
  a.out(0x43, 0x70);  // channel 1: lobyte/hibyte mode 0
  a.out(0x41, 0x34);  // half written
  std::vector<uint8_t> blob = a.pit.saveState();

  test::ManualClock clock;
  test::IrqRecorder irq;
  Pit8254 b(clock, irq);
  ASSERT_TRUE(b.restoreState(blob).ok());
  EXPECT_EQ(b.saveState(), blob);
  EXPECT_EQ(b.nextDeadlineNs(), a.pit.nextDeadlineNs());
  clock.now = a.clock.now = pitNsAtTick(3500);
  EXPECT_EQ(b.readPort(2), a.in(0x42));  // rest of the latch
  b.writePort(1, 0x12);
  a.out(0x41, 0x12);
  for (unsigned i = 0; i < 3; i++) {
    clock.now = a.clock.now = pitNsAtTick(3600 + 1000 * i);
    b.writePort(3, 0xC0 | 0x0E);  // read back all
    a.out(0x43, 0xCE);
    for (unsigned ch = 0; ch < 3; ch++)
      for (int byte = 0; byte < 3; byte++) EXPECT_EQ(b.readPort(ch), a.in(uint16_t(0x40 + ch)));
  }
  unsigned before = irq.rises[0];
  uint64_t d = b.nextDeadlineNs();
  b.advance(d);
  a.advanceTo(d);
  EXPECT_EQ(irq.rises[0], before + 1);
  EXPECT_EQ(b.saveState(), a.pit.saveState());
}

TEST(Pit8254, RestoreRefusesImpossibleState) {
  Rig r;
  Pit8254State s{};
  std::vector<uint8_t> good = r.pit.saveState();
  std::memcpy(&s, good.data(), sizeof s);
  s.channel[1].mode = 7;
  EXPECT_FALSE(r.pit.restoreState(saveBlob(s)).ok());
  std::memcpy(&s, good.data(), sizeof s);
  s.channel[0].loaded = 1;
  s.channel[0].reload = 0;
  EXPECT_FALSE(r.pit.restoreState(saveBlob(s)).ok());
  EXPECT_EQ(r.pit.saveState(), good);
}

}  // namespace
}  // namespace tandem
