#include <gtest/gtest.h>

#include "tests/unit/vmm/devices/DeviceRig.h"
#include "vmm/devices/PostCodePort.h"

namespace tandem {
namespace {

TEST(PostCodePort, WritesAreKeptAndReadsReturnAllOnes) {
  PostCodePort a, b;
  IoBus ports = test::makePortBus();
  ASSERT_TRUE(a.attach(ports).ok());
  ports.write(0x80, 1, 0x42);
  EXPECT_EQ(a.lastCode(), 0x42);
  EXPECT_EQ(ports.read(0x80, 1), 0xFFu);
  test::copyState(a, b);
  EXPECT_EQ(b.lastCode(), 0x42);
}

}  // namespace
}  // namespace tandem
