#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/PcDevices.h"

namespace tandem {
namespace {

struct Board {
  test::ManualClock clock;
  test::IntrRecorder intr;
  test::ConsoleCapture console;
  test::ControlRecorder machine;
  IoBus ports = test::makePortBus();
  std::unique_ptr<PcDevices> dev;

  Board() {
    auto built = PcDevices::build(ports, {clock, intr, console, machine},
                                  {.boot_epoch_seconds = 1704067200, .ram_bytes = 64 << 20});
    EXPECT_TRUE(built.ok());
    dev = std::move(*built);
  }
  void out(uint16_t port, uint8_t v) { ports.write(port, 1, v); }
  uint8_t in(uint16_t port) { return static_cast<uint8_t>(ports.read(port, 1)); }
  // Linux's init_8259A, then the PIT as a 250 Hz periodic tick, IRQ 0 unmasked.
  void bootLikeLinux() {
    for (auto [port, v] : std::initializer_list<std::pair<uint16_t, uint8_t>>{{0x21, 0xFF},
                                                                              {0xA1, 0xFF},
                                                                              {0x20, 0x11},
                                                                              {0x21, 0x30},
                                                                              {0x21, 0x04},
                                                                              {0x21, 0x01},
                                                                              {0xA0, 0x11},
                                                                              {0xA1, 0x38},
                                                                              {0xA1, 0x02},
                                                                              {0xA1, 0x01},
                                                                              {0x43, 0x34},
                                                                              {0x40, 0xA5},
                                                                              {0x40, 0x12},
                                                                              {0x21, 0xFA},
                                                                              {0xA1, 0xFF}})
      out(port, v);
  }
  // Runs guest time forward deadline by deadline, acknowledging interrupts
  // like the CPU would; returns the vectors taken.
  std::vector<uint8_t> runUntil(uint64_t end_ns) {
    std::vector<uint8_t> vectors;
    for (;;) {
      while (intr.level) {
        uint8_t v = dev->acknowledgeInterrupt();
        vectors.push_back(v);
        out(0x20, uint8_t(0x60 + (v - 0x30)));  // specific EOI
      }
      uint64_t next = dev->nextDeadlineNs();
      if (next > end_ns) break;
      clock.now = next;
      dev->advance(next);
    }
    clock.now = end_ns;
    return vectors;
  }
};

TEST(PcDevices, EveryStandardPortIsAnsweredByItsDevice) {
  Board b;
  struct {
    uint16_t port;
    const char* device;
  } expected[] = {{0x20, "pic-master"},    {0xA1, "pic-slave"}, {0x4D0, "pic-elcr"},
                  {0x43, "pit"},           {0x61, "port61"},    {0x70, "rtc-index"},
                  {0x71, "rtc-data"},      {0x3FD, "com1"},     {0x60, "i8042-data"},
                  {0x64, "i8042-command"}, {0x92, "port92"},    {0xCF9, "pci-host"},
                  {0xCFC, "pci-host"},     {0x80, "port80"}};
  for (const auto& e : expected) EXPECT_EQ(b.ports.deviceAt(e.port), e.device) << e.port;
  EXPECT_EQ(b.ports.deviceAt(0x2F8), "");  // no COM2
  EXPECT_EQ(b.in(0x2F8), 0xFF);
}

TEST(PcDevices, EveryDeviceHasADistinctName) {
  Board b;
  std::vector<std::string> names;
  for (const Device* d : b.dev->all()) names.push_back(d->name());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_EQ(names.size(), 10u);
}

TEST(PcDevices, PeriodicTimerTickReachesTheCpuAsVector0x30) {
  Board b;
  b.bootLikeLinux();
  std::vector<uint8_t> vectors = b.runUntil(1000000000);
  // The control word raised OUT at once; then a period of 4773 ticks of
  // 1.193182 MHz (4.0003 ms) ends 249 times within the second.
  EXPECT_EQ(vectors.size(), 1u + 249u);
  for (uint8_t v : vectors) EXPECT_EQ(v, 0x30);
}

TEST(PcDevices, SerialConsoleOutputReachesTheSink) {
  Board b;
  for (char c : std::string("Linux version 6.1\n")) b.out(0x3F8, uint8_t(c));
  EXPECT_EQ(b.console.out, "Linux version 6.1\n");
}

TEST(PcDevices, A20IsEnabledWhileEitherSourceEnablesIt) {
  Board b;
  EXPECT_TRUE(b.dev->a20Enabled());
  b.out(0x64, 0xDD);
  EXPECT_FALSE(b.dev->a20Enabled());
  b.out(0x92, 0x02);
  EXPECT_TRUE(b.dev->a20Enabled());
}

TEST(PcDevices, ResetRequestsComeFromEachResetPort) {
  Board b;
  b.out(0x64, 0xFE);
  b.out(0x92, 0x01);
  b.out(0xCF9, 0x06);
  EXPECT_EQ(b.machine.resets,
            (std::vector<ResetSource>{ResetSource::kKeyboardController, ResetSource::kPort92,
                                      ResetSource::kResetControl}));
}

TEST(PcDevices, SavedMidRunAndRestoredDevicesTakeTheSameInterruptsAtTheSameTimes) {
  Board a;
  a.bootLikeLinux();
  a.runUntil(10000000);
  a.out(0x3F9, 0x01);  // COM1 receive interrupt
  a.out(0x3FC, 0x0B);
  a.out(0x21, 0xEA);  // unmask IRQ 4 too
  a.dev->com1.receive('x', a.clock.now);
  std::vector<DeviceBlob> blobs = a.dev->saveAll();

  Board b;
  ASSERT_TRUE(b.dev->restoreAll(blobs).ok());
  b.clock.now = a.clock.now;
  EXPECT_EQ(b.intr.level, a.intr.level);
  EXPECT_EQ(b.dev->nextDeadlineNs(), a.dev->nextDeadlineNs());
  EXPECT_EQ(b.dev->acknowledgeInterrupt(), a.dev->acknowledgeInterrupt());
  EXPECT_EQ(b.in(0x3F8), a.in(0x3F8));
  for (Board* x : {&a, &b}) x->out(0x20, 0x20);
  EXPECT_EQ(b.runUntil(50000000), a.runUntil(50000000));
  std::vector<DeviceBlob> after_a = a.dev->saveAll(), after_b = b.dev->saveAll();
  for (size_t i = 0; i < after_a.size(); i++) EXPECT_EQ(after_a[i].state, after_b[i].state);
}

TEST(PcDevices, RestoreRefusesMissingUnknownOrBadBlobsAndChangesNothing) {
  Board b;
  b.bootLikeLinux();
  std::vector<DeviceBlob> good = b.dev->saveAll();

  std::vector<DeviceBlob> missing(good.begin() + 1, good.end());
  Status s = b.dev->restoreAll(missing);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("pic"), std::string::npos);

  std::vector<DeviceBlob> unknown = good;
  unknown.push_back({"floppy", {}});
  s = b.dev->restoreAll(unknown);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("floppy"), std::string::npos);

  Board fresh;
  std::vector<DeviceBlob> bad = good;
  bad.back().state.push_back(0);  // port80 blob one byte too long
  EXPECT_FALSE(fresh.dev->restoreAll(bad).ok());
  std::vector<DeviceBlob> untouched = fresh.dev->saveAll();
  Board reference;
  std::vector<DeviceBlob> expected = reference.dev->saveAll();
  for (size_t i = 0; i < expected.size(); i++) EXPECT_EQ(untouched[i].state, expected[i].state);
}

}  // namespace
}  // namespace tandem
