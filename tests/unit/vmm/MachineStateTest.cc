#include <gtest/gtest.h>

#include "logger/VirtualClock.h"
#include "vmm/Machine.h"

namespace tandem {
namespace {

class NullConsole final : public ConsoleSink {
 public:
  void consoleWrite(uint8_t) override {}
};

struct Rig {
  Rig() { m = std::move(*Machine::create(MachineConfig{4 << 20}, clock, console)); }
  VirtualClock clock;
  NullConsole console;
  std::unique_ptr<Machine> m;
};

const DeviceBlob* find(const MachineState& s, const std::string& name) {
  for (const auto& b : s.devices)
    if (b.name == name) return &b;
  return nullptr;
}

TEST(MachineState, BoardStateTravelsAmongTheDeviceBlobs) {
  Rig r;
  r.m->run(1000);  // from the reset vector into unmapped all-ones: #UD and on
  MachineState s = r.m->saveState();
  const DeviceBlob* board = find(s, Machine::kBoardBlob);
  ASSERT_NE(board, nullptr);
  BoardState b;
  ASSERT_TRUE(loadBlob(board->state, "board", &b));
  EXPECT_GT(b.next_poll_icount, 1000u);  // the slice started at 0 goes on past the stop

  Rig other;
  ASSERT_TRUE(other.m->restoreState(s));
  EXPECT_EQ(other.m->saveState().devices.back().state, board->state);
  EXPECT_FALSE(other.m->atPollPoint());
}

TEST(MachineState, StateWithoutABoardStandsAtAPollPoint) {
  Rig r;
  r.m->run(1000);
  MachineState s = r.m->saveState();
  std::erase_if(s.devices, [](const DeviceBlob& b) { return b.name == Machine::kBoardBlob; });
  Rig other;
  ASSERT_TRUE(other.m->restoreState(s));
  EXPECT_TRUE(other.m->atPollPoint());
  EXPECT_EQ(other.m->icount().value(), r.m->icount().value());
}

TEST(MachineState, BoardStateItCouldNeverHoldIsRefused) {
  Rig r;
  MachineState s = r.m->saveState();
  for (auto& b : s.devices) {
    if (b.name != Machine::kBoardBlob) continue;
    BoardState bad{0, 7, 0};
    b.state = saveBlob(bad);
  }
  auto refused = r.m->restoreState(s);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("board state"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace tandem
