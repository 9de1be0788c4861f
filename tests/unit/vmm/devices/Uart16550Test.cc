#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/Uart16550.h"

namespace tandem {
namespace {

constexpr uint16_t kBase = 0x3F8;
enum : uint16_t { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

struct Rig {
  test::ManualClock clock;
  test::IrqRecorder irq;
  test::ConsoleCapture console;
  Uart16550 uart{"com1", 4, clock, irq, console};
  IoBus ports = test::makePortBus();

  Rig() { EXPECT_TRUE(uart.attach(ports, kBase).ok()); }
  void out(uint16_t reg, uint8_t v) { ports.write(kBase + reg, 1, v); }
  uint8_t in(uint16_t reg) { return static_cast<uint8_t>(ports.read(kBase + reg, 1)); }
  bool line() const { return irq.level[4]; }
  // As Linux configures a console: 115200 8N1, FIFO on with the given
  // trigger, DTR/RTS/OUT2.
  void setup(uint8_t fcr = 0xC7) {
    out(LCR, 0x83);
    out(RBR, 0x01);
    out(IER, 0x00);
    out(LCR, 0x03);
    out(FCR, fcr);
    out(MCR, 0x0B);
  }
};

TEST(Uart16550, TransmittedBytesGoToTheConsoleSink) {
  Rig r;
  r.setup();
  for (char c : std::string("login: ")) {
    EXPECT_EQ(r.in(LSR)&0x60, 0x60);  // THRE and TEMT
    r.out(RBR, static_cast<uint8_t>(c));
  }
  EXPECT_EQ(r.console.out, "login: ");
}

TEST(Uart16550, ThreInterruptRaisedWhenTransmitterEmptiesAndIerEnabled) {
  Rig r;
  r.setup();
  EXPECT_FALSE(r.line());
  r.out(IER, 0x02);
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.in(IIR), 0xC2);
  EXPECT_FALSE(r.line());  // reading the IIR that reported THRE clears it
  EXPECT_EQ(r.in(IIR), 0xC1);
  r.out(RBR, 'x');
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.in(IIR), 0xC2);
}

TEST(Uart16550, ThreIsReassertedWhenTheInterruptIsEnabledAgain) {
  // Linux's startup test for UARTs that do not reassert THRE.
  Rig r;
  r.setup();
  r.out(IER, 0x02);
  uint8_t iir1 = r.in(IIR);
  r.out(IER, 0x00);
  r.out(IER, 0x02);
  uint8_t iir = r.in(IIR);
  r.out(IER, 0x00);
  EXPECT_EQ(iir1 & 0x01, 0);
  EXPECT_EQ(iir & 0x01, 0);
}

TEST(Uart16550, WritingThrMakesANewEdgeEvenWhileAnotherSourceHoldsTheLine) {
  // Linux's handler sees receive data in the IIR, reads it, then refills the
  // transmitter: the refill must still produce a rising edge.
  Rig r;
  r.setup(0x07);
  r.out(IER, 0x03);
  r.uart.receive('k', 0);
  EXPECT_EQ(r.in(IIR), 0xC4);
  EXPECT_EQ(r.in(RBR), 'k');
  EXPECT_TRUE(r.line());  // THRE still pending
  unsigned rises = r.irq.rises[4];
  r.out(RBR, 'a');
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.irq.rises[4], rises + 1);
}

TEST(Uart16550, InterruptReachesTheLineOnlyWithOut2Set) {
  Rig r;
  r.setup();
  r.out(MCR, 0x03);
  r.out(IER, 0x02);
  EXPECT_FALSE(r.line());
  EXPECT_EQ(r.in(IIR)&0x0F, 0x02);
  r.out(IER, 0x00);
  r.out(MCR, 0x0B);
  r.out(IER, 0x02);
  EXPECT_TRUE(r.line());
}

TEST(Uart16550, ReceivedByteSetsDataReadyAndRaisesReceiveInterrupt) {
  Rig r;
  r.setup(0x07);  // FIFO on, trigger 1
  r.out(IER, 0x01);
  EXPECT_EQ(r.uart.rxSpace(), 16u);
  r.uart.receive('a', 100);
  EXPECT_EQ(r.in(LSR)&0x01, 0x01);
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.in(IIR), 0xC4);
  EXPECT_EQ(r.in(RBR), 'a');
  EXPECT_EQ(r.in(LSR)&0x01, 0x00);
  EXPECT_FALSE(r.line());
}

TEST(Uart16550, FifoTriggerLevelHoldsTheReceiveInterruptUntilReached) {
  Rig r;
  r.setup(0x87);  // trigger level 8
  r.out(IER, 0x01);
  for (int i = 0; i < 7; i++) r.uart.receive(uint8_t('0' + i), 1000);
  EXPECT_FALSE(r.line());
  r.uart.receive('7', 1000);
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.in(IIR), 0xC4);
  std::string got;
  while (r.in(LSR)&0x01) got.push_back(static_cast<char>(r.in(RBR)));
  EXPECT_EQ(got, "01234567");
}

TEST(Uart16550, CharacterTimeoutFiresFourCharacterTimesAfterTheLastByte) {
  Rig r;
  r.setup(0xC7);  // trigger 14, 115200 8N1: 10 bits a character
  r.out(IER, 0x01);
  r.uart.receive('a', 1000);
  r.uart.receive('b', 2000);
  uint64_t four_chars = (4 * 10 * 16 * 1000000000ull + 1843199) / 1843200;  // 347223 ns
  EXPECT_EQ(r.uart.nextDeadlineNs(), 2000 + four_chars);
  r.uart.advance(2000 + four_chars - 1);
  EXPECT_FALSE(r.line());
  r.uart.advance(2000 + four_chars);
  EXPECT_TRUE(r.line());
  EXPECT_EQ(r.in(IIR), 0xCC);
  r.clock.now = 400000;
  EXPECT_EQ(r.in(RBR), 'a');  // clears the timeout, restarts it for 'b'
  EXPECT_EQ(r.in(IIR), 0xC1);
  EXPECT_EQ(r.uart.nextDeadlineNs(), 400000 + four_chars);
  EXPECT_EQ(r.in(RBR), 'b');
  EXPECT_EQ(r.uart.nextDeadlineNs(), kNoDeadline);
}

TEST(Uart16550, TimeoutFollowsTheLineSettings) {
  Rig r;
  r.out(LCR, 0x80);
  r.out(RBR, 12);    // 9600 baud
  r.out(LCR, 0x1F);  // 8 data bits, even parity, 2 stop bits: 12 bits
  r.out(FCR, 0xC1);
  r.uart.receive('z', 0);
  EXPECT_EQ(r.uart.nextDeadlineNs(), (4 * 12 * 12 * 16 * 1000000000ull + 1843199) / 1843200);
}

TEST(Uart16550, OverrunSetsLineStatusAndRaisesItsInterrupt) {
  Rig r;
  r.setup(0xC7);
  r.out(IER, 0x05);
  for (int i = 0; i < 16; i++) r.uart.receive(uint8_t(i), 0);
  EXPECT_EQ(r.uart.rxSpace(), 0u);
  EXPECT_EQ(r.in(IIR), 0xC4);
  r.uart.receive(0xEE, 0);
  EXPECT_EQ(r.in(IIR), 0xC6);
  EXPECT_EQ(r.in(LSR)&0x03, 0x03);
  EXPECT_EQ(r.in(LSR)&0x02, 0x00);                       // reading LSR cleared it
  for (int i = 0; i < 16; i++) EXPECT_EQ(r.in(RBR), i);  // the extra byte was lost
}

TEST(Uart16550, WithoutFifoASecondByteOverwritesTheFirst) {
  Rig r;
  r.out(IER, 0x01);
  r.uart.receive('a', 0);
  EXPECT_EQ(r.uart.rxSpace(), 0u);
  r.uart.receive('b', 0);
  EXPECT_EQ(r.in(LSR)&0x03, 0x03);
  EXPECT_EQ(r.in(RBR), 'b');
  EXPECT_EQ(r.in(IIR), 0x01);  // no FIFO bits
}

TEST(Uart16550, DivisorLatchIsReachedOnlyWithDlabSet) {
  Rig r;
  r.out(IER, 0x05);
  r.out(LCR, 0x80);
  r.out(RBR, 0x34);
  r.out(IER, 0x12);
  EXPECT_EQ(r.in(RBR), 0x34);
  EXPECT_EQ(r.in(IER), 0x12);
  r.out(LCR, 0x03);
  EXPECT_EQ(r.in(IER), 0x05);
  EXPECT_EQ(r.in(LCR), 0x03);
  EXPECT_TRUE(r.console.out.empty());
}

TEST(Uart16550, LoopbackEchoesTransmittedBytesAndMirrorsModemControl) {
  Rig r;
  r.setup(0xC7);
  r.out(MCR, 0x1A);  // loop, RTS, OUT2: Linux's autoconfig test
  EXPECT_EQ(r.in(MSR)&0xF0, 0x90);
  EXPECT_EQ(r.uart.rxSpace(), 0u);
  r.out(RBR, 'q');
  EXPECT_TRUE(r.console.out.empty());
  EXPECT_EQ(r.in(LSR)&0x01, 0x01);
  EXPECT_EQ(r.in(RBR), 'q');
  r.out(IER, 0x02);
  EXPECT_FALSE(r.line());  // OUT2 does not reach the line in loopback
  r.out(MCR, 0x0B);
  EXPECT_EQ(r.in(MSR)&0xF0, 0xB0);
}

TEST(Uart16550, ModemStatusChangeRaisesItsInterrupt) {
  Rig r;
  r.setup();
  r.out(MCR, 0x10);  // loopback, every output off
  (void)r.in(MSR);
  r.out(IER, 0x08);
  r.out(MCR, 0x11);  // DTR -> DSR
  EXPECT_EQ(r.in(IIR), 0xC0);
  EXPECT_EQ(r.in(MSR), 0x22);  // DSR and delta DSR
  EXPECT_EQ(r.in(IIR), 0xC1);
  r.out(MCR, 0x14);  // OUT1 -> RI rises (no delta), DTR falls
  r.out(MCR, 0x10);  // RI falls: trailing edge
  EXPECT_EQ(r.in(MSR)&0x0F, 0x02 | 0x04);
}

TEST(Uart16550, LinuxAutoconfigFindsA16550A) {
  Rig r;
  // IER: writes of 0 and 0x0F read back, bit 6 (XScale UUE) does not.
  r.out(IER, 0x00);
  EXPECT_EQ(r.in(IER)&0x0F, 0x00);
  r.out(IER, 0x0F);
  EXPECT_EQ(r.in(IER)&0x0F, 0x0F);
  r.out(IER, 0x40);
  EXPECT_EQ(r.in(IER)&0x40, 0x00);
  r.out(IER, 0x00);
  // FIFO present: IIR bits 6-7.
  r.out(LCR, 0xBF);
  r.out(FCR, 0x00);
  r.out(LCR, 0x00);
  r.out(FCR, 0x01);
  EXPECT_EQ(r.in(IIR) >> 6, 3);
  // No EFR behind LCR 0x80 or 0xBF: those reads return the IIR, never 0.
  r.out(LCR, 0x80);
  EXPECT_NE(r.in(IIR), 0);
  r.out(LCR, 0xBF);
  EXPECT_NE(r.in(IIR), 0);
  // Not a 16750: the 64-byte FIFO bit never shows in IIR bit 5.
  r.out(LCR, 0x00);
  r.out(FCR, 0x21);
  EXPECT_EQ(r.in(IIR) >> 5, 6);
  r.out(LCR, 0x80);
  r.out(FCR, 0x21);
  EXPECT_EQ(r.in(IIR) >> 5, 6);
}

TEST(Uart16550, ScratchRegisterHoldsAByte) {
  Rig r;
  r.out(SCR, 0x5A);
  EXPECT_EQ(r.in(SCR), 0x5A);
}

TEST(Uart16550, SavedMidReceiveAndRestoredUartDeliversTheSameBytes) {
  Rig a;
  a.setup(0xC7);
  a.out(IER, 0x03);
  for (char c : std::string("hello")) a.uart.receive(uint8_t(c), 5000);
  a.out(SCR, 0x77);

  Rig b;
  test::copyState(a.uart, b.uart);
  EXPECT_EQ(b.uart.nextDeadlineNs(), a.uart.nextDeadlineNs());
  for (Rig* r : {&a, &b}) {
    r->uart.advance(r->uart.nextDeadlineNs());
    r->clock.now = 9000000;
  }
  EXPECT_EQ(a.line(), b.line());
  for (int i = 0; i < 8; i++) {
    EXPECT_EQ(b.in(IIR), a.in(IIR));
    EXPECT_EQ(b.in(LSR), a.in(LSR));
    EXPECT_EQ(b.in(RBR), a.in(RBR));
  }
  b.out(RBR, '!');
  EXPECT_EQ(b.console.out, "!");
  EXPECT_EQ(b.in(SCR), 0x77);
}

TEST(Uart16550, RestoreRefusesAFifoIndexOutOfRange) {
  Rig r;
  Uart16550State s = r.uart.state();
  s.rx_head = 16;
  Status st = r.uart.restoreState(saveBlob(s));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("com1"), std::string::npos);
}

}  // namespace
}  // namespace tandem
