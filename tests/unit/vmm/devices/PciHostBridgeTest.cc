#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/PciHostBridge.h"

namespace tandem {
namespace {

struct Rig {
  test::ControlRecorder machine;
  ResetControl reset_control{machine};
  PciHostBridge pci{reset_control};
  IoBus ports = test::makePortBus();
  Rig() { EXPECT_TRUE(pci.attach(ports).ok()); }
};

TEST(PciHostBridge, AddressRegisterReadsBackForTheType1Probe) {
  // Linux's pci_check_type1.
  Rig r;
  r.ports.write(0xCFB, 1, 0x01);
  uint32_t saved = r.ports.read(0xCF8, 4);
  r.ports.write(0xCF8, 4, 0x80000000);
  EXPECT_EQ(r.ports.read(0xCF8, 4), 0x80000000u);
  r.ports.write(0xCF8, 4, saved);
  EXPECT_EQ(r.ports.read(0xCF8, 4), saved);
  r.ports.write(0xCF8, 4, 0xFFFFFFFF);
  EXPECT_EQ(r.ports.read(0xCF8, 4), 0x80FFFFFCu);  // reserved bits read 0
}

TEST(PciHostBridge, EveryFunctionAnswersNoDevice) {
  Rig r;
  for (uint32_t devfn : {0u, 8u, 0x1Fu << 3, 0xFFu}) {
    r.ports.write(0xCF8, 4, 0x80000000 | devfn << 8);
    EXPECT_EQ(r.ports.read(0xCFC, 4), 0xFFFFFFFFu);
    EXPECT_EQ(r.ports.read(0xCFC, 2), 0xFFFFu);  // vendor ID
    EXPECT_EQ(r.ports.read(0xCFE, 2), 0xFFFFu);
    EXPECT_EQ(r.ports.read(0xCFF, 1), 0xFFu);
    r.ports.write(0xCFC, 4, 0);
    EXPECT_EQ(r.ports.read(0xCFC, 4), 0xFFFFFFFFu);
  }
}

TEST(PciHostBridge, ByteAccessesToTheAddressPortDoNotChangeIt) {
  // They must also fail Linux's type 2 probe, which expects zeros back.
  Rig r;
  r.ports.write(0xCF8, 4, 0x80001234 & 0x80FFFFFC);
  r.ports.write(0xCF8, 1, 0x00);
  r.ports.write(0xCFA, 1, 0x00);
  EXPECT_EQ(r.ports.read(0xCF8, 1), 0xFFu);
  EXPECT_EQ(r.ports.read(0xCFA, 1), 0xFFu);
  EXPECT_EQ(r.ports.read(0xCF8, 4), 0x80001234u & 0x80FFFFFC);
}

TEST(PciHostBridge, ResetControlAt0xCF9ResetsWhenRstCpuIsSet) {
  // Linux's reboot through 0xCF9: SYS_RST first, then SYS_RST | RST_CPU.
  Rig r;
  uint8_t cf9 = static_cast<uint8_t>(r.ports.read(0xCF9, 1) & ~6);
  r.ports.write(0xCF9, 1, cf9 | 2);
  EXPECT_TRUE(r.machine.resets.empty());
  EXPECT_EQ(r.ports.read(0xCF9, 1), 0x02u);
  r.ports.write(0xCF9, 1, cf9 | 6);
  ASSERT_EQ(r.machine.resets.size(), 1u);
  EXPECT_EQ(r.machine.resets[0], ResetSource::kResetControl);
}

TEST(PciHostBridge, SavedAndRestoredBridgeKeepsTheAddressRegister) {
  Rig a, b;
  a.ports.write(0xCF8, 4, 0x80000810);
  a.ports.write(0xCF9, 1, 0x0A);
  test::copyState(a.pci, b.pci);
  test::copyState(a.reset_control, b.reset_control);
  EXPECT_EQ(b.ports.read(0xCF8, 4), 0x80000810u);
  EXPECT_EQ(b.ports.read(0xCF9, 1), 0x0Au);
  EXPECT_FALSE(b.pci.restoreState(saveBlob(PciHostBridgeState{0x1})).ok());
  EXPECT_FALSE(b.reset_control.restoreState(saveBlob(ResetControlState{0x4})).ok());
}

}  // namespace
}  // namespace tandem
