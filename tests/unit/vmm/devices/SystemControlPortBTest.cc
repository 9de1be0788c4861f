#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/SystemControlPortB.h"

namespace tandem {
namespace {

struct Rig {
  test::ManualClock clock;
  test::IrqRecorder irq;
  Pit8254 pit{clock, irq};
  SystemControlPortB port61{clock, pit};
  IoBus ports = test::makePortBus();

  Rig() {
    EXPECT_TRUE(pit.attach(ports).ok());
    EXPECT_TRUE(port61.attach(ports).ok());
  }
  void out(uint16_t port, uint8_t v) { ports.write(port, 1, v); }
  uint8_t in(uint16_t port) { return static_cast<uint8_t>(ports.read(port, 1)); }
};

TEST(SystemControlPortB, Channel2OutputRisesWhenTheCalibrationCountExpires) {
  // Linux's pit_calibrate_tsc: gate on, speaker off, channel 2 in mode 0,
  // then poll bit 5 until OUT goes high.
  Rig r;
  r.clock.now = 1000;
  r.out(0x61, uint8_t((r.in(0x61) & ~0x02) | 0x01));
  r.out(0x43, 0xB0);
  r.out(0x42, 11932 & 0xFF);  // 10 ms
  r.out(0x42, 11932 >> 8);
  uint64_t start_tick = pitTicksAt(1000);
  r.clock.now = pitNsAtTick(start_tick + 11931);
  EXPECT_EQ(r.in(0x61) & 0x20, 0);
  r.clock.now = pitNsAtTick(start_tick + 11932);
  EXPECT_EQ(r.in(0x61) & 0x20, 0x20);
  EXPECT_EQ(r.in(0x61) & 0x0F, 0x01);
}

TEST(SystemControlPortB, GateBitStopsAndRestartsChannel2) {
  Rig r;
  r.out(0x61, 0x01);
  r.out(0x43, 0xB4);  // channel 2, mode 2
  r.out(0x42, 100);
  r.out(0x42, 0);
  r.clock.now = pitNsAtTick(30);
  r.out(0x61, 0x00);
  r.clock.now = pitNsAtTick(80);
  r.out(0x43, 0x80);
  EXPECT_EQ(r.in(0x42), 70);
  EXPECT_EQ(r.in(0x42), 0);
  r.out(0x61, 0x01);  // rising gate reloads
  r.clock.now = pitNsAtTick(81);
  r.out(0x43, 0x80);
  EXPECT_EQ(r.in(0x42), 99);
}

TEST(SystemControlPortB, RefreshBitTogglesEvery15085Nanoseconds) {
  Rig r;
  for (uint64_t t : {0ull, 15084ull, 15085ull, 30169ull, 30170ull, 15085ull * 1001}) {
    r.clock.now = t;
    EXPECT_EQ((r.in(0x61) >> 4) & 1, (t / 15085) & 1) << t;
  }
}

TEST(SystemControlPortB, UpperBitsAreReadOnly) {
  Rig r;
  r.out(0x61, 0xFE);
  r.clock.now = 0;
  EXPECT_EQ(r.in(0x61), 0x0E);
}

TEST(SystemControlPortB, SavedAndRestoredPortKeepsTheControlBits) {
  Rig a, b;
  a.out(0x61, 0x03);
  test::copyState(a.pit, b.pit);
  test::copyState(a.port61, b.port61);
  EXPECT_EQ(b.in(0x61), a.in(0x61));
  SystemControlPortBState bad{0x10};
  EXPECT_FALSE(b.port61.restoreState(saveBlob(bad)).ok());
}

}  // namespace
}  // namespace tandem
