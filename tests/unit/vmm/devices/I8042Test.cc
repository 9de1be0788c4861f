#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/I8042.h"

namespace tandem {
namespace {

struct Rig {
  test::IrqRecorder irq;
  test::ControlRecorder machine;
  I8042 kbc{irq, machine};
  IoBus ports = test::makePortBus();

  Rig() { EXPECT_TRUE(kbc.attach(ports).ok()); }
  uint8_t status() { return static_cast<uint8_t>(ports.read(0x64, 1)); }
  void command(uint8_t c) { ports.write(0x64, 1, c); }
  void data(uint8_t d) { ports.write(0x60, 1, d); }
  // Like Linux's i8042_command: waits for the output buffer, then reads it.
  int readOutput() {
    if (!(status() & 0x01)) return -1;
    return static_cast<int>(ports.read(0x60, 1));
  }
  int commandByteAfter(uint8_t cmd) {
    command(cmd);
    command(0x20);
    return readOutput();
  }
};

TEST(I8042, SelfTestAnswers0x55AndInterfaceTestsAnswerNoError) {
  Rig r;
  r.command(0xAA);
  EXPECT_EQ(r.readOutput(), 0x55);
  EXPECT_EQ(r.readOutput(), -1);
  r.command(0xAB);
  EXPECT_EQ(r.readOutput(), 0x00);
  r.command(0xA9);
  EXPECT_EQ(r.readOutput(), 0x00);
}

TEST(I8042, CommandByteWrittenWith0x60ReadsBackWith0x20) {
  Rig r;
  r.command(0x20);
  int ctr = r.readOutput();
  EXPECT_EQ(ctr, 0x65);
  r.command(0x60);
  r.data(0x47);
  r.command(0x20);
  EXPECT_EQ(r.readOutput(), 0x47);
  EXPECT_EQ(r.status() & 0x04, 0x04);  // system flag follows bit 2
}

TEST(I8042, PortDisableAndEnableCommandsToggleCommandByteBits) {
  // Linux's i8042_toggle_aux and i8042 port setup read these bits back.
  Rig r;
  EXPECT_EQ(r.commandByteAfter(0xA8) & 0x20, 0x00);
  EXPECT_EQ(r.commandByteAfter(0xA7) & 0x20, 0x20);
  EXPECT_EQ(r.commandByteAfter(0xAD) & 0x10, 0x10);
  EXPECT_EQ(r.commandByteAfter(0xAE) & 0x10, 0x00);
}

TEST(I8042, AuxLoopbackReturnsTheByteAsAuxDataOnIrq12) {
  Rig r;
  r.command(0x60);
  r.data(0x47);  // keyboard and AUX interrupts enabled
  r.command(0xD3);
  r.data(0x5A);
  EXPECT_EQ(r.status() & 0x21, 0x21);
  EXPECT_TRUE(r.irq.level[12]);
  EXPECT_FALSE(r.irq.level[1]);
  EXPECT_EQ(r.readOutput(), 0x5A);
  EXPECT_FALSE(r.irq.level[12]);
}

TEST(I8042, FullOutputBufferRaisesIrq1OnlyWhenKeyboardInterruptIsEnabled) {
  Rig r;
  r.command(0xD2);
  r.data(0x1C);
  EXPECT_TRUE(r.irq.level[1]);
  EXPECT_EQ(r.readOutput(), 0x1C);
  EXPECT_FALSE(r.irq.level[1]);
  r.command(0x60);
  r.data(0x64);  // keyboard interrupt off
  r.command(0xAA);
  EXPECT_FALSE(r.irq.level[1]);
  EXPECT_EQ(r.readOutput(), 0x55);
}

TEST(I8042, BytesForTheAbsentKeyboardAndMouseGetNoAnswer) {
  Rig r;
  r.data(0xFF);  // keyboard reset
  r.command(0xD4);
  r.data(0xF2);  // mouse: get ID
  EXPECT_EQ(r.readOutput(), -1);
  EXPECT_EQ(r.status() & 0x08, 0x00);  // last write was data
}

TEST(I8042, Command0xFEPulsesTheResetLine) {
  Rig r;
  r.command(0xFF);  // pulses nothing
  EXPECT_TRUE(r.machine.resets.empty());
  r.command(0xFE);
  ASSERT_EQ(r.machine.resets.size(), 1u);
  EXPECT_EQ(r.machine.resets[0], ResetSource::kKeyboardController);
}

TEST(I8042, OutputPortControlsA20AndReset) {
  Rig r;
  EXPECT_TRUE(r.kbc.a20Enabled());
  r.command(0xD0);
  EXPECT_EQ(r.readOutput() & 0x03, 0x03);
  r.command(0xD1);
  r.data(0x01);  // A20 off
  EXPECT_FALSE(r.kbc.a20Enabled());
  ASSERT_EQ(r.machine.a20.size(), 1u);
  EXPECT_EQ(r.machine.a20[0], std::make_pair(A20Source::kKeyboardController, false));
  r.command(0xDF);
  EXPECT_TRUE(r.kbc.a20Enabled());
  EXPECT_TRUE(r.machine.resets.empty());
  r.command(0xD1);
  r.data(0x02);  // reset line active
  EXPECT_EQ(r.machine.resets.size(), 1u);
}

TEST(I8042, SavedMidCommandAndRestoredControllerFinishesTheCommand) {
  Rig a, b;
  a.command(0xAD);
  a.command(0x60);  // waits for its data byte
  test::copyState(a.kbc, b.kbc);
  for (Rig* r : {&a, &b}) {
    r->data(0x07);
    r->command(0x20);
  }
  EXPECT_EQ(b.readOutput(), 0x07);
  EXPECT_EQ(a.readOutput(), 0x07);
  EXPECT_EQ(a.kbc.saveState(), b.kbc.saveState());
  I8042State bad = b.kbc.state();
  bad.output_full = 2;
  EXPECT_FALSE(b.kbc.restoreState(saveBlob(bad)).ok());
}

}  // namespace
}  // namespace tandem
