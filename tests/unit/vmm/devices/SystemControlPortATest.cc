#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/SystemControlPortA.h"

namespace tandem {
namespace {

TEST(SystemControlPortA, Bit1SwitchesA20AndReadsBack) {
  test::ControlRecorder machine;
  SystemControlPortA port92(machine);
  IoBus ports = test::makePortBus();
  ASSERT_TRUE(port92.attach(ports).ok());
  ports.write(0x92, 1, 0x02);
  EXPECT_TRUE(port92.a20Enabled());
  EXPECT_EQ(ports.read(0x92, 1), 0x02u);
  ports.write(0x92, 1, 0x02);  // unchanged: no second notification
  ports.write(0x92, 1, 0x00);
  ASSERT_EQ(machine.a20.size(), 2u);
  EXPECT_EQ(machine.a20[0], std::make_pair(A20Source::kPort92, true));
  EXPECT_EQ(machine.a20[1], std::make_pair(A20Source::kPort92, false));
  EXPECT_TRUE(machine.resets.empty());
}

TEST(SystemControlPortA, Bit0RequestsAFastReset) {
  test::ControlRecorder machine;
  SystemControlPortA port92(machine);
  port92.write(0x03);
  ASSERT_EQ(machine.resets.size(), 1u);
  EXPECT_EQ(machine.resets[0], ResetSource::kPort92);
  EXPECT_EQ(port92.read(), 0x02);
}

TEST(SystemControlPortA, SavedAndRestoredPortKeepsA20) {
  test::ControlRecorder machine;
  SystemControlPortA a(machine), b(machine);
  a.write(0x02);
  test::copyState(a, b);
  EXPECT_TRUE(b.a20Enabled());
  b.write(0x00);
  EXPECT_EQ(machine.a20.back(), std::make_pair(A20Source::kPort92, false));
  EXPECT_FALSE(b.restoreState(saveBlob(SystemControlPortAState{0x01})).ok());
}

}  // namespace
}  // namespace tandem
