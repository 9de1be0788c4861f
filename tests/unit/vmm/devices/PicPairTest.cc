#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/PicPair.h"

namespace tandem {
namespace {

using test::IntrRecorder;

// A PIC pair on a port bus, initialised the way Linux's init_8259A does it:
// vectors 0x30 and 0x38, slave on IR2, 8086 mode, normal EOI.
struct Rig {
  IntrRecorder intr;
  PicPair pic{intr};
  IoBus ports = test::makePortBus();

  explicit Rig(bool auto_eoi = false) {
    EXPECT_TRUE(pic.attach(ports).ok());
    out(0x21, 0xFF);
    out(0xA1, 0xFF);
    out(0x20, 0x11);
    out(0x21, 0x30);
    out(0x21, 0x04);
    out(0x21, auto_eoi ? 0x03 : 0x01);
    out(0xA0, 0x11);
    out(0xA1, 0x38);
    out(0xA1, 0x02);
    out(0xA1, 0x01);
    out(0x21, 0x00);
    out(0xA1, 0x00);
  }
  void out(uint16_t port, uint8_t v) { ports.write(port, 1, v); }
  uint8_t in(uint16_t port) { return static_cast<uint8_t>(ports.read(port, 1)); }
  void pulse(unsigned irq) {
    pic.setIrqLevel(irq, true);
    pic.setIrqLevel(irq, false);
  }
  void eoi(unsigned irq) {
    if (irq >= 8) {
      out(0xA0, uint8_t(0x60 + (irq & 7)));
      out(0x20, 0x62);
    } else {
      out(0x20, uint8_t(0x60 + irq));
    }
  }
  uint8_t isr(bool slave) {
    out(slave ? 0xA0 : 0x20, 0x0B);
    uint8_t v = in(slave ? 0xA0 : 0x20);
    out(slave ? 0xA0 : 0x20, 0x0A);
    return v;
  }
};

TEST(PicPair, MaskRegisterReadsBackWhatWasWritten) {
  Rig r;
  r.out(0x21, 0xA5);
  EXPECT_EQ(r.in(0x21), 0xA5);
  r.out(0xA1, 0x5A);
  EXPECT_EQ(r.in(0xA1), 0x5A);
}

TEST(PicPair, EdgeOnIrq0AssertsIntrAndAcknowledgeReturnsVectorBase) {
  Rig r;
  EXPECT_FALSE(r.intr.level);
  r.pulse(0);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x30);
  EXPECT_FALSE(r.intr.level);
  EXPECT_EQ(r.isr(false), 0x01);
  r.eoi(0);
  EXPECT_EQ(r.isr(false), 0x00);
}

TEST(PicPair, HigherPriorityInterruptPreemptsLowerInService) {
  Rig r;
  r.pulse(4);
  EXPECT_EQ(r.pic.acknowledge(), 0x34);
  r.pulse(1);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x31);
  EXPECT_EQ(r.isr(false), 0x12);
}

TEST(PicPair, LowerPriorityInterruptWaitsForEndOfInterrupt) {
  Rig r;
  r.pulse(1);
  EXPECT_EQ(r.pic.acknowledge(), 0x31);
  r.pulse(4);
  EXPECT_FALSE(r.intr.level);
  r.eoi(1);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x34);
}

TEST(PicPair, MaskedRequestStaysPendingUntilUnmasked) {
  Rig r;
  r.out(0x21, 0x08);
  r.pulse(3);
  EXPECT_FALSE(r.intr.level);
  r.out(0x20, 0x0A);
  EXPECT_EQ(r.in(0x20), 0x08);  // IRR
  r.out(0x21, 0x00);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x33);
}

TEST(PicPair, SlaveInterruptArrivesThroughCascadeWithSlaveVector) {
  Rig r;
  r.pulse(12);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x3C);
  EXPECT_EQ(r.isr(true), 0x10);
  EXPECT_EQ(r.isr(false), 0x04);
  r.eoi(12);
  EXPECT_EQ(r.isr(true), 0x00);
  EXPECT_EQ(r.isr(false), 0x00);
}

TEST(PicPair, MaskingCascadeInputBlocksEverySlaveInterrupt) {
  Rig r;
  r.out(0x21, 0x04);
  r.pulse(8);
  EXPECT_FALSE(r.intr.level);
  r.out(0x21, 0x00);
  EXPECT_EQ(r.pic.acknowledge(), 0x38);
}

TEST(PicPair, TwoSlaveRequestsAreBothDeliveredInPriorityOrder) {
  Rig r;
  r.pulse(14);
  r.pulse(9);
  EXPECT_EQ(r.pic.acknowledge(), 0x39);
  EXPECT_FALSE(r.intr.level);  // cascade input in service on the master
  r.eoi(9);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x3E);
}

TEST(PicPair, RequestThatVanishesBeforeAcknowledgeGivesSpuriousIrq7) {
  Rig r;
  r.out(0x4D0, 0x20);  // IRQ 5 level-triggered
  r.pic.setIrqLevel(5, true);
  EXPECT_TRUE(r.intr.level);
  r.pic.setIrqLevel(5, false);
  EXPECT_EQ(r.pic.acknowledge(), 0x37);
  EXPECT_EQ(r.isr(false), 0x00);
}

TEST(PicPair, SlaveRequestThatVanishesGivesSpuriousIrq15WithCascadeInService) {
  Rig r;
  r.out(0x4D1, 0x02);  // IRQ 9 level-triggered
  r.pic.setIrqLevel(9, true);
  // The master has latched the cascade edge; the slave's request then goes.
  r.out(0xA1, 0x02);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x3F);
  EXPECT_EQ(r.isr(true), 0x00);
  EXPECT_EQ(r.isr(false), 0x04);
}

TEST(PicPair, LevelTriggeredRequestReassertsAfterEoiWhileLineStaysHigh) {
  Rig r;
  r.out(0x4D1, 0x08);  // IRQ 11
  EXPECT_EQ(r.in(0x4D1), 0x08);
  r.pic.setIrqLevel(11, true);
  EXPECT_EQ(r.pic.acknowledge(), 0x3B);
  r.eoi(11);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x3B);
  r.pic.setIrqLevel(11, false);
  r.eoi(11);
  EXPECT_FALSE(r.intr.level);
}

TEST(PicPair, EdgeTriggeredRequestIsLatchedOnceUntilTheLineRisesAgain) {
  Rig r;
  r.pic.setIrqLevel(3, true);
  EXPECT_EQ(r.pic.acknowledge(), 0x33);
  r.eoi(3);
  EXPECT_FALSE(r.intr.level);  // still high, but no new edge
  r.pic.setIrqLevel(3, false);
  r.pic.setIrqLevel(3, true);
  EXPECT_TRUE(r.intr.level);
}

TEST(PicPair, ElcrBitsOfFixedEdgeInputsCannotBeSet) {
  Rig r;
  r.out(0x4D0, 0xFF);
  r.out(0x4D1, 0xFF);
  EXPECT_EQ(r.in(0x4D0), 0xF8);
  EXPECT_EQ(r.in(0x4D1), 0xDE);
}

TEST(PicPair, PollCommandReturnsHighestRequestAndMarksItInService) {
  Rig r;
  r.pulse(6);
  r.pulse(5);
  r.out(0x20, 0x0C);
  EXPECT_EQ(r.in(0x20), 0x85);
  EXPECT_EQ(r.isr(false), 0x20);
  r.out(0x20, 0x0C);
  EXPECT_EQ(r.in(0x20), 0x00);  // IRQ 6 does not outrank IRQ 5 in service
  r.eoi(5);
  r.out(0x20, 0x0C);
  EXPECT_EQ(r.in(0x20), 0x86);
}

TEST(PicPair, AutoEoiModeLeavesNothingInService) {
  Rig r(/*auto_eoi=*/true);
  r.pulse(3);
  EXPECT_EQ(r.pic.acknowledge(), 0x33);
  EXPECT_EQ(r.isr(false), 0x00);
  r.pulse(4);
  EXPECT_EQ(r.pic.acknowledge(), 0x34);
}

TEST(PicPair, SpecialMaskModeLetsLowerPriorityInterruptThroughWhileHigherIsMaskedInService) {
  Rig r;
  r.pulse(1);
  EXPECT_EQ(r.pic.acknowledge(), 0x31);
  r.out(0x21, 0x02);  // mask the in-service IRQ 1
  r.out(0x20, 0x68);  // OCW3: set special mask mode
  r.pulse(5);
  EXPECT_TRUE(r.intr.level);
  EXPECT_EQ(r.pic.acknowledge(), 0x35);
  r.out(0x20, 0x48);  // reset special mask mode
  r.eoi(5);
  r.pulse(6);
  EXPECT_FALSE(r.intr.level);  // IRQ 1 still in service
}

TEST(PicPair, RotateOnNonSpecificEoiMakesTheServicedInputLowestPriority) {
  Rig r;
  r.pulse(0);
  EXPECT_EQ(r.pic.acknowledge(), 0x30);
  r.out(0x20, 0xA0);  // rotate on non-specific EOI: IRQ 0 now lowest
  r.pulse(0);
  r.pulse(7);
  EXPECT_EQ(r.pic.acknowledge(), 0x37);
}

TEST(PicPair, SetPriorityCommandChoosesTheLowestPriorityInput) {
  Rig r;
  r.out(0x20, 0xC3);  // IRQ 3 lowest, IRQ 4 highest
  r.pulse(1);
  r.pulse(4);
  EXPECT_EQ(r.pic.acknowledge(), 0x34);
}

TEST(PicPair, ReinitialisationClearsMasksAndPendingRequests) {
  Rig r;
  r.out(0x21, 0xF0);
  r.pulse(3);
  r.out(0x20, 0x11);
  r.out(0x21, 0x20);
  r.out(0x21, 0x04);
  r.out(0x21, 0x01);
  EXPECT_EQ(r.in(0x21), 0x00);
  EXPECT_FALSE(r.intr.level);
  r.pulse(3);
  EXPECT_EQ(r.pic.acknowledge(), 0x23);
}

TEST(PicPair, SavedMidActivityAndRestoredIntoAFreshPairBehavesIdentically) {
  Rig a;
  a.out(0x4D0, 0x20);
  a.pic.setIrqLevel(5, true);
  a.pulse(12);
  a.pulse(1);
  EXPECT_EQ(a.pic.acknowledge(), 0x31);
  a.out(0x21, 0x40);
  std::vector<uint8_t> blob = a.pic.saveState();

  IntrRecorder intr2;
  PicPair b(intr2);
  ASSERT_TRUE(b.restoreState(blob).ok());
  EXPECT_TRUE(intr2.level == a.intr.level);
  EXPECT_EQ(b.saveState(), blob);
  for (PicPair* p : {&a.pic, &b}) {
    p->writePort(false, 0, 0x61);  // EOI IRQ 1
    p->setIrqLevel(5, false);
    p->setIrqLevel(14, true);
  }
  for (int i = 0; i < 3; i++) EXPECT_EQ(a.pic.acknowledge(), b.acknowledge());
  EXPECT_EQ(a.pic.saveState(), b.saveState());
}

TEST(PicPair, RestoreRefusesBlobOfWrongSizeOrImpossibleValues) {
  Rig r;
  std::vector<uint8_t> blob = r.pic.saveState();
  std::vector<uint8_t> short_blob(blob.begin(), blob.end() - 1);
  EXPECT_FALSE(r.pic.restoreState(short_blob).ok());
  PicPairState s;
  std::memcpy(&s, blob.data(), sizeof s);
  s.slave.lowest_priority = 9;
  Status st = r.pic.restoreState(saveBlob(s));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("priority"), std::string::npos);
  EXPECT_EQ(r.pic.saveState(), blob);
}

}  // namespace
}  // namespace tandem
