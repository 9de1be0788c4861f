#include <gtest/gtest.h>

#include "replayer/Freezer.h"

namespace tandem {
namespace {

TEST(ReplayResume, TheClocksAnchorAndRateAndTheDetectorsStateComeBack) {
  ReplayResume r{{2'000'000, 1700000000, 0, 7500}, 1000, {1, 2, 3}};
  auto back = loadReplayResume(saveReplayResume(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->clock.guest_ns, 2'000'000u);
  EXPECT_EQ(back->clock.boot_epoch_seconds, 1700000000);
  EXPECT_EQ(back->clock.flags, 0u);
  EXPECT_EQ(back->clock.ps_per_insn, 7500u);
  EXPECT_EQ(back->anchor_icount, 1000u);
  EXPECT_EQ(back->detector, (std::vector<uint8_t>{1, 2, 3}));
}

TEST(ReplayResume, AStateWithoutAnAnchorIsAtTheSnapshotsIcount) {
  // As bundles written before clock rates hold it: no anchor, rate 0.
  ReplayResume r{{5'000, 0, ReplayClockState::kVirtual, 0}, std::nullopt, {9}};
  auto back = loadReplayResume(saveReplayResume(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->clock.flags, ReplayClockState::kVirtual);
  EXPECT_FALSE(back->anchor_icount);
  EXPECT_EQ(back->detector, (std::vector<uint8_t>{9}));
}

TEST(ReplayResume, UnknownFlagsAndATruncatedAnchorAreRefused) {
  ReplayResume r{{0, 0, 0, 0}, 77, {}};
  std::vector<uint8_t> bytes = saveReplayResume(r);
  bytes.resize(bytes.size() - 4);
  EXPECT_FALSE(loadReplayResume(bytes));
  ReplayResume bad{{0, 0, 8, 0}, std::nullopt, {}};
  EXPECT_FALSE(loadReplayResume(saveReplayResume(bad)));
}

}  // namespace
}  // namespace tandem
