// Stand-ins for the board around a device under test: a clock the test sets,
// and recorders for interrupt lines, the CPU's INTR pin, the console and
// machine-control requests.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "vmm/IoBus.h"
#include "vmm/devices/ConsoleSink.h"
#include "vmm/devices/DeviceClock.h"
#include "vmm/devices/InterruptOutput.h"
#include "vmm/devices/IrqSink.h"
#include "vmm/devices/MachineControl.h"

namespace tandem::test {

struct ManualClock : DeviceClock {
  uint64_t now = 0;
  unsigned reads = 0;
  uint64_t nowNs(ClockRead) override {
    reads++;
    return now;
  }
};

struct IrqRecorder : IrqSink {
  std::array<bool, 16> level{};
  std::array<unsigned, 16> rises{};
  void setIrqLevel(unsigned irq, bool high) override {
    if (high && !level[irq]) rises[irq]++;
    level[irq] = high;
  }
};

struct IntrRecorder : InterruptOutput {
  bool level = false;
  void setIntr(bool asserted) override { level = asserted; }
};

struct ConsoleCapture : ConsoleSink {
  std::string out;
  void consoleWrite(uint8_t byte) override { out.push_back(static_cast<char>(byte)); }
};

struct ControlRecorder : MachineControl {
  std::vector<ResetSource> resets;
  unsigned power_offs = 0;
  std::vector<std::pair<A20Source, bool>> a20;
  void requestReset(ResetSource s) override { resets.push_back(s); }
  void requestPowerOff() override { power_offs++; }
  void setA20(A20Source s, bool enabled) override { a20.emplace_back(s, enabled); }
};

inline IoBus makePortBus() {
  return IoBus("port", 0x10000);
}

}  // namespace tandem::test

#include <gtest/gtest.h>

#include "vmm/devices/Device.h"

namespace tandem::test {

// Saves `from` and restores the blob into `into`, which must then save the
// same bytes.
inline void copyState(const Device& from, Device& into) {
  std::vector<uint8_t> blob = from.saveState();
  Status st = into.restoreState(blob);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(into.saveState(), blob);
}

}  // namespace tandem::test
